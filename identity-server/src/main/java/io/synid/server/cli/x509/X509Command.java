package io.synid.server.cli.x509;

import io.synid.server.cli.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code x509}: X509-SVIDs for admins. */
@Command(name = "x509", description = "Mint X509-SVIDs", synopsisSubcommandLabel = "<command>",
    subcommands = MintX509Command.class)
public final class X509Command {
  @Mixin
  HelpOption help;
}
