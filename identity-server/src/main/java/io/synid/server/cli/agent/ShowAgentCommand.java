package io.synid.server.cli.agent;

import io.synid.api.spire.server.agent.v1.GetAgentRequest;
import io.synid.api.spire.types.Agent;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.ProtoIds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agent show -spiffeID <id>}: one attested agent, with its selectors. */
@Command(name = "show", description = "Shows the details of an attested agent given its SPIFFE ID")
public final class ShowAgentCommand extends AdminCommand {
  @Option(names = {"-spiffeID", "--spiffeID"}, paramLabel = "<spiffe id>",
      description = "The SPIFFE ID of the agent to show (agent identity)")
  String spiffeId = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (spiffeId.isEmpty()) {
      throw new CliException("a SPIFFE ID is required");
    }
    Agent agent = client.agents().getAgent(
        GetAgentRequest.newBuilder().setId(ProtoIds.parse(spiffeId)).build());
    print(env, agent, a -> AgentPrinter.printOne(env.out(), a, env.clock().getZone()));
  }
}
