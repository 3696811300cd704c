package io.synid.server.cli.agent;

import io.synid.api.spire.server.agent.v1.CountAgentsRequest;
import io.synid.api.spire.server.agent.v1.CountAgentsResponse;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.SpireText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code agent count}: prints {@code N attested agents} for the filters of {@code list}. */
@Command(name = "count", description = "Count attested agents")
public final class CountAgentCommand extends AdminCommand {
  @Mixin
  AgentFilterFlags filter;

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    CountAgentsRequest.Filter f = filter.countFilter();
    CountAgentsResponse response = client.agents().countAgents(
        CountAgentsRequest.newBuilder().setFilter(f).build());
    print(env, response, r -> env.out().print(SpireText.plural(
        r.getCount() + " attested ", "agent", "agents", r.getCount()) + "\n"));
  }
}
