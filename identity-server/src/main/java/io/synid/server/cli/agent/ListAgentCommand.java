package io.synid.server.cli.agent;

import io.synid.api.spire.server.agent.v1.ListAgentsRequest;
import io.synid.api.spire.server.agent.v1.ListAgentsResponse;
import io.synid.api.spire.types.Agent;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code agent list}: every attested agent matching the filters, read page by page. */
@Command(name = "list", description = "Lists attested agents and their SPIFFE IDs")
public final class ListAgentCommand extends AdminCommand {
  /** Page size SPIRE's CLI asks for. */
  static final int PAGE_SIZE = 1000;

  @Mixin
  AgentFilterFlags filter;

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    ListAgentsRequest.Filter f = filter.listFilter();
    List<Agent> agents = new ArrayList<>();
    String pageToken = "";
    do {
      ListAgentsResponse page = client.agents().listAgents(ListAgentsRequest.newBuilder()
          .setFilter(f).setPageSize(PAGE_SIZE).setPageToken(pageToken).build());
      agents.addAll(page.getAgentsList());
      pageToken = page.getNextPageToken();
    } while (!pageToken.isEmpty());
    ListAgentsResponse response = ListAgentsResponse.newBuilder().addAllAgents(agents).build();
    print(env, response,
        r -> AgentPrinter.printList(env.out(), r.getAgentsList(), env.clock().getZone()));
  }
}
