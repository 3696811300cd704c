package io.synid.server.cli.bundle;

import io.synid.server.cli.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code bundle}: the server's own bundle and the federated bundles it holds. */
@Command(name = "bundle", description = "Manage trust bundles", synopsisSubcommandLabel = "<command>",
    subcommands = {
      ShowBundleCommand.class,
      ListBundleCommand.class,
      SetBundleCommand.class,
      DeleteBundleCommand.class,
      CountBundleCommand.class,
    })
public final class BundleCommand {
  @Mixin
  HelpOption help;
}
