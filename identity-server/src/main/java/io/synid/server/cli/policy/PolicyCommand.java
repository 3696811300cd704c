package io.synid.server.cli.policy;

import io.synid.server.cli.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code policy}: identity-based connection policies (not in SPIRE). */
@Command(name = "policy", description = "Manage connection policies", synopsisSubcommandLabel = "<command>",
    subcommands = {
      ApplyPolicyCommand.class,
      ShowPolicyCommand.class,
      DeletePolicyCommand.class,
      SuggestPolicyCommand.class,
      AcceptPolicyCommand.class,
      ModePolicyCommand.class,
    })
public final class PolicyCommand {
  @Mixin
  HelpOption help;
}
