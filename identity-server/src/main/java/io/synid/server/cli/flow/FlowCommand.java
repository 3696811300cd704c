package io.synid.server.cli.flow;

import io.synid.server.cli.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code flow}: connections observed by the agents (not in SPIRE). */
@Command(name = "flow", description = "Observed connections", synopsisSubcommandLabel = "<command>",
    subcommands = {ShowFlowCommand.class})
public final class FlowCommand {
  @Mixin
  HelpOption help;
}
