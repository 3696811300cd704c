package io.synid.server.cli.agent;

import io.synid.server.cli.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code agent}: attested agents. */
@Command(name = "agent", description = "Manage attested agents", synopsisSubcommandLabel = "<command>",
    subcommands = {
      ListAgentCommand.class,
      ShowAgentCommand.class,
      CountAgentCommand.class,
      EvictAgentCommand.class,
      BanAgentCommand.class,
      PurgeAgentCommand.class,
    })
public final class AgentCommand {
  @Mixin
  HelpOption help;
}
