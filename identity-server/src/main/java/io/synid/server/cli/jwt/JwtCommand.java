package io.synid.server.cli.jwt;

import io.synid.server.cli.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code jwt}: JWT-SVIDs for admins. */
@Command(name = "jwt", description = "Mint JWT-SVIDs", synopsisSubcommandLabel = "<command>",
    subcommands = MintJwtCommand.class)
public final class JwtCommand {
  @Mixin
  HelpOption help;
}
