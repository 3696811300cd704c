package io.synid.server.cli.federation;

import io.synid.server.cli.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code federation}: dynamic federation relationships with foreign trust domains. */
@Command(name = "federation", description = "Manage federation relationships",
    synopsisSubcommandLabel = "<command>",
    subcommands = {
      CreateFederationCommand.class,
      UpdateFederationCommand.class,
      DeleteFederationCommand.class,
      ListFederationCommand.class,
      ShowFederationCommand.class,
      RefreshFederationCommand.class,
    })
public final class FederationCommand {
  @Mixin
  HelpOption help;
}
