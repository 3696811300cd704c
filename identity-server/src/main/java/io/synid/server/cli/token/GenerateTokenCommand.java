package io.synid.server.cli.token;

import io.synid.api.spire.server.agent.v1.CreateJoinTokenRequest;
import io.synid.api.spire.types.JoinToken;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.ProtoIds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code token generate}: creates a join token and prints {@code Token: <value>}. With
 * {@code -spiffeID}, the request carries {@code agent_id} and the server also creates an entry
 * aliasing the agent that will attest with the token to that ID.
 */
@Command(name = "generate", description = "Generates a join token")
public final class GenerateTokenCommand extends AdminCommand {
  @Option(names = {"-spiffeID", "--spiffeID"}, paramLabel = "<spiffe id>",
      description = "Additional SPIFFE ID to assign the token owner (optional)")
  String spiffeId = "";

  @Option(names = {"-ttl", "--ttl"}, paramLabel = "<seconds>",
      description = "Token TTL in seconds (default: 600)")
  long ttl = 600;

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    CreateJoinTokenRequest.Builder request = CreateJoinTokenRequest.newBuilder();
    if (!spiffeId.isEmpty()) {
      request.setAgentId(ProtoIds.parse(spiffeId));
    }
    if (ttl != (int) ttl) {
      throw new CliException("invalid value for TTL: overflow converting int(" + ttl + ") to int32");
    }
    JoinToken token = client.agents().createJoinToken(request.setTtl((int) ttl).build());
    print(env, token, t -> {
      env.out().print("Token: " + t.getValue() + "\n");
      if (spiffeId.isEmpty()) {
        env.out().print("Warning: Missing SPIFFE ID.\n");
      }
    });
  }
}
