package io.synid.server.cli.flow;

import io.synid.api.node.v1.Flow;
import io.synid.api.policy.v1.ListFlowsRequest;
import io.synid.api.policy.v1.ListFlowsResponse;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flow show [-source <id|address>] [-destination <id>] [-port <n>] [-verdict <v>]}: the
 * flows the agents reported, summed, as a table (times in the local zone).
 */
@Command(name = "show", description = "Shows observed flows with their counts")
public final class ShowFlowCommand extends AdminCommand {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xx");
  private static final String[] HEADER = {
    "SOURCE", "DESTINATION", "PORT", "ALLOWED", "DENIED", "WOULD DENY", "FIRST SEEN", "LAST SEEN"};

  @Option(names = {"-source", "--source"}, paramLabel = "<source>",
      description = "Only flows from this SPIFFE ID, or from this address (unauthenticated sources)")
  String source = "";

  @Option(names = {"-destination", "--destination"}, paramLabel = "<spiffe id>",
      description = "Only flows to this SPIFFE ID")
  String destination = "";

  @Option(names = {"-port", "--port"}, paramLabel = "<port>", description = "Only flows to this port")
  int port;

  @Option(names = {"-verdict", "--verdict"}, paramLabel = "<verdict>",
      description = "Only flows with connections of this verdict: allowed, denied or would_deny")
  String verdict = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (port < 0 || port > 65535) {
      throw new CliException("port must be 1-65535, not " + port);
    }
    ListFlowsRequest.Builder request = ListFlowsRequest.newBuilder()
        .setDestinationSpiffeId(destination).setPort(port).setVerdict(verdict);
    if (source.startsWith("spiffe://") || source.isEmpty()) {
      request.setSourceSpiffeId(source);
    } else {
      request.setSourceAddress(source);
    }
    ListFlowsResponse response = client.flows().listFlows(request.build());
    print(env, response, r -> printTable(env.out(), r.getFlowsList(), env.clock().getZone()));
  }

  static void printTable(PrintStream out, List<Flow> flows, ZoneId zone) {
    if (flows.isEmpty()) {
      out.print("No flows found\n");
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    for (Flow f : flows) {
      rows.add(new String[] {
        f.getSourceSpiffeId().isEmpty() ? f.getSourceAddress() + " (unauthenticated)" : f.getSourceSpiffeId(),
        f.getDestinationSpiffeId(),
        Integer.toString(f.getPort()),
        Long.toUnsignedString(f.getAllowed()),
        Long.toUnsignedString(f.getDenied()),
        Long.toUnsignedString(f.getWouldDeny()),
        TIME.format(Instant.ofEpochSecond(f.getFirstSeen()).atZone(zone)),
        TIME.format(Instant.ofEpochSecond(f.getLastSeen()).atZone(zone)),
      });
    }
    int[] width = new int[HEADER.length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        // Text left-aligned, counts right-aligned; two spaces between columns.
        boolean number = i >= 2 && i <= 5;
        String cell = number ? " ".repeat(width[i] - row[i].length()) + row[i]
            : row[i] + " ".repeat(width[i] - row[i].length());
        line.append(i == 0 ? "" : "  ").append(cell);
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
    out.print(b);
  }
}
