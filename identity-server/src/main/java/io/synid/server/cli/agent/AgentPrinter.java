package io.synid.server.cli.agent;

import io.synid.api.spire.types.Agent;
import io.synid.api.spire.types.Selector;
import io.synid.server.cli.CliException;
import io.synid.server.cli.ProtoIds;
import io.synid.server.cli.SpireText;
import java.io.PrintStream;
import java.time.ZoneId;
import java.util.List;

/** The human layout of attested agents: SPIRE's, label for label. */
final class AgentPrinter {
  private AgentPrinter() {}

  /** {@code agent list}: a count line, then each agent. */
  static void printList(PrintStream out, List<Agent> agents, ZoneId zone) throws CliException {
    if (agents.isEmpty()) {
      out.print("No attested agents found\n");
      return;
    }
    out.print(SpireText.plural("Found " + agents.size() + " attested ", "agent", "agents",
        agents.size()) + ":\n\n");
    for (Agent agent : agents) {
      print(out, agent, zone);
    }
  }

  /** {@code agent show}: the agent, then its selectors. */
  static void printOne(PrintStream out, Agent agent, ZoneId zone) throws CliException {
    out.print("Found an attested agent given its SPIFFE ID\n\n");
    print(out, agent, zone);
    for (Selector s : agent.getSelectorsList()) {
      out.print("Selectors         : " + s.getType() + ":" + s.getValue() + "\n");
    }
  }

  /** One agent block, ending with an empty line; the expiry is in the local time zone. */
  static void print(PrintStream out, Agent agent, ZoneId zone) throws CliException {
    StringBuilder b = new StringBuilder();
    String id = ProtoIds.format(agent.getId());
    // Like SPIRE, refuse to print an agent whose ID is not a SPIFFE ID.
    ProtoIds.parse(id);
    b.append("SPIFFE ID         : ").append(id).append('\n');
    b.append("Attestation type  : ").append(agent.getAttestationType()).append('\n');
    b.append("Expiration time   : ").append(SpireText.time(agent.getX509SvidExpiresAt(), zone))
        .append('\n');
    if (agent.getBanned()) {
      b.append("Banned            : true\n");
    } else {
      b.append("Serial number     : ").append(agent.getX509SvidSerialNumber()).append('\n');
    }
    b.append("Can re-attest     : ").append(agent.getCanReattest()).append('\n');
    if (!agent.getAgentVersion().isEmpty()) {
      b.append("Agent version     : ").append(agent.getAgentVersion()).append('\n');
    }
    b.append('\n');
    out.print(b);
  }
}
