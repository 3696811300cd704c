package io.synid.server.cli.token;

import io.synid.server.cli.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code token}: join tokens. */
@Command(name = "token", description = "Manage join tokens", synopsisSubcommandLabel = "<command>",
    subcommands = GenerateTokenCommand.class)
public final class TokenCommand {
  @Mixin
  HelpOption help;
}
