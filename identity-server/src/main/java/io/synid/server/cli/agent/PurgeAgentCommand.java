package io.synid.server.cli.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.BoolValue;
import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.agent.v1.DeleteAgentRequest;
import io.synid.api.spire.server.agent.v1.ListAgentsRequest;
import io.synid.api.spire.server.agent.v1.ListAgentsResponse;
import io.synid.api.spire.types.Agent;
import io.synid.api.spire.types.AgentMask;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GoDuration;
import io.synid.server.cli.GoJson;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.ProtoIds;
import io.synid.server.cli.SpireText;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code agent purge}: deletes agents that can re-attest and whose SVID expired more than
 * {@code -expiredFor} ago (they come back by attesting again); {@code -dryRun} only lists them.
 */
@Command(name = "purge",
    description = "Purge expired agents that were attested using a non-TOFU security model based on a given time")
public final class PurgeAgentCommand extends AdminCommand {
  @Option(names = {"-expiredFor", "--expiredFor"}, paramLabel = "<duration>",
      converter = GoDuration.Converter.class,
      description = "Time since the agent's SVID expired after which it is purged (default: 720h0m0s)")
  Duration expiredFor = Duration.ofDays(30);

  @Option(names = {"-dryRun", "--dryRun"}, arity = "0..1", paramLabel = "<bool>",
      description = "Only print the agents that would be purged")
  boolean dryRun;

  private record Expired(String agentId, boolean deleted, String error) {}

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    ListAgentsResponse response;
    try {
      response = client.agents().listAgents(ListAgentsRequest.newBuilder()
          .setFilter(ListAgentsRequest.Filter.newBuilder().setByCanReattest(BoolValue.of(true)))
          .setOutputMask(AgentMask.newBuilder().setX509SvidExpiresAt(true))
          .build());
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.wrap("failed to list agents", e);
    }
    Instant now = env.clock().instant();
    List<Expired> expired = new ArrayList<>();
    for (Agent agent : response.getAgentsList()) {
      String id = ProtoIds.format(agent.getId());
      ProtoIds.parse(id);
      if (Duration.between(Instant.ofEpochSecond(agent.getX509SvidExpiresAt()), now).compareTo(expiredFor) <= 0) {
        continue;
      }
      if (dryRun) {
        expired.add(new Expired(id, false, ""));
        continue;
      }
      try {
        client.agents().deleteAgent(DeleteAgentRequest.newBuilder().setId(agent.getId()).build());
        expired.add(new Expired(id, true, ""));
      } catch (StatusRuntimeException e) {
        expired.add(new Expired(id, false, GrpcErrors.describe(e)));
      }
    }
    if (output.isJson()) {
      // SPIRE prints a struct here, fields in declaration order.
      ObjectNode result = GoJson.object();
      ArrayNode agents = result.putArray("expired_agents");
      for (Expired e : expired) {
        ObjectNode a = agents.addObject().put("agent_id", e.agentId()).put("deleted", e.deleted());
        if (!e.error().isEmpty()) {
          a.put("error", e.error());
        }
      }
      env.out().print(GoJson.compact(result, false) + "\n");
    } else {
      printPretty(env, expired);
    }
  }

  private void printPretty(CliEnvironment env, List<Expired> expired) {
    if (expired.isEmpty()) {
      env.out().print("No agents to purge.\n");
      return;
    }
    StringBuilder b = new StringBuilder(SpireText.plural("Found " + expired.size() + " expired ",
        "agent", "agents", expired.size())).append("\n\n");
    if (dryRun) {
      b.append("\nAgents that can be purged:\n");
      expired.forEach(e -> b.append("SPIFFE ID         : ").append(e.agentId()).append('\n'));
      env.out().print(b);
      return;
    }
    List<Expired> purged = expired.stream().filter(Expired::deleted).toList();
    List<Expired> notPurged = expired.stream().filter(e -> !e.deleted()).toList();
    if (!purged.isEmpty()) {
      b.append("Agents purged:\n");
      purged.forEach(e -> b.append("SPIFFE ID         : ").append(e.agentId()).append('\n'));
    }
    if (!notPurged.isEmpty()) {
      b.append("Agents not purged:\n");
      notPurged.forEach(e -> b.append("SPIFFE ID         : ").append(e.agentId()).append('\n')
          .append("Error             : ").append(e.error()).append('\n'));
    }
    env.out().print(b);
  }
}
