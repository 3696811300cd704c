package io.synid.server.cli.agent;

import com.google.protobuf.Empty;
import io.synid.api.spire.server.agent.v1.BanAgentRequest;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.ProtoIds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agent ban -spiffeID <id>}: the agent may not attest again until evicted. */
@Command(name = "ban", description = "Ban an attested agent given its SPIFFE ID")
public final class BanAgentCommand extends AdminCommand {
  @Option(names = {"-spiffeID", "--spiffeID"}, paramLabel = "<spiffe id>",
      description = "The SPIFFE ID of the agent to ban (agent identity)")
  String spiffeId = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (spiffeId.isEmpty()) {
      throw new CliException("a SPIFFE ID is required");
    }
    Empty response = client.agents().banAgent(
        BanAgentRequest.newBuilder().setId(ProtoIds.parse(spiffeId)).build());
    print(env, response, r -> env.out().print("Agent banned successfully\n"));
  }
}
