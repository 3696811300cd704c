package io.synid.harness.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synid.agent.AgentDaemon;
import io.synid.api.policy.v1.ApplyPoliciesRequest;
import io.synid.api.policy.v1.ApplyPoliciesResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * How long a policy change takes from the admin API to the kernel of the node it affects, with
 * the real server, real agents and their eBPF datapaths (the ThreeNodes fixture, nodes 1 and 2).
 *
 * <p>Node 2 hosts the protected workload {@code /server} (uid 1002); node 1 the client
 * {@code /client} (uid 1001). Besides the policy under test the set holds {@code --policies}
 * other policies (default 1,000), each protecting its own SPIFFE ID with two rules, so that
 * every change travels and is compiled with a realistic set. Each trial applies a new version of
 * the policy under test (alternately allowing /client on the port and not) and measures, from
 * the start of the {@code ApplyPolicies} call:
 * <ul>
 *   <li>its return (the server stored the version);
 *   <li>node 2's agent reporting the version installed ({@code installedPolicyVersion()}, set
 *       after the verdicts were written to the kernel maps), polled every 0.1 ms;
 *   <li>the agent's own update time, from its {@code datapath_updated} audit record (fetching
 *       policies and directory, parsing, compiling, writing the maps).
 * </ul>
 * The agents sync every {@code --sync} (default 5s, SPIRE's default): a change that reached the
 * kernel much sooner came through the server's change announcement, which is what this measures.
 * Baseline in the same run: the sync interval itself, the wait without announcements (on
 * average half of it).
 *
 * <p>Arguments: {@code [--trials 20] [--policies 1000] [--sync 5s]}.
 */
public final class PolicyPropagationBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PolicyPropagationBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new HashMap<>(Map.of("--trials", "20", "--policies", "1000",
        "--sync", "5s"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!opts.containsKey(args[i])) {
        throw new IllegalArgumentException("unknown option " + args[i]
            + "; use --trials, --policies, --sync");
      }
      opts.put(args[i], args[i + 1]);
    }
    int trials = Integer.parseInt(opts.get("--trials"));
    int fillers = Integer.parseInt(opts.get("--policies"));
    String sync = opts.get("--sync");
    try (AgentHarness h = new AgentHarness(); ThreeNodes nodes = new ThreeNodes(h)) {
      h.startServer(Optional.empty());
      nodes.buildNetwork();
      h.createEntry(nodes.reserveAgentId(1), "/client", 0, "unix:uid:1001");
      h.createEntry(nodes.reserveAgentId(2), "/server", 0, "unix:uid:1002");
      nodes.startWorkload(1, "client", 1001, "serve", "9000");
      nodes.startWorkload(2, "server", 1002, "serve", "7000");
      nodes.startAgent(1, sync);
      AgentDaemon b = nodes.startAgent(2, sync);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (b.handshake().isEmpty() || b.handshake().get().installedWorkloads() != 1
          || b.handshake().get().knownBindings() < 2) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("node 2's datapath did not come up");
        }
        Thread.sleep(100);
      }
      StringBuilder others = new StringBuilder();
      for (int i = 0; i < fillers; i++) {
        others.append("---\nname: filler-").append(i).append("\nmode: enforce\n")
            .append("applies_to: {spiffe_id: spiffe://example.org/filler/").append(i).append("}\n")
            .append("ingress:\n")
            .append("  - from: [{spiffe_id_prefix: spiffe://example.org/team-").append(i % 37)
            .append("/}]\n    ports: [").append(1000 + i % 5000).append("]\n")
            .append("  - from: [{unauthenticated: {cidr: 10.").append(i % 200).append(".0.0/16}}]\n")
            .append("    ports: [443]\n");
      }
      ApplyPoliciesResponse base = h.policies().applyPolicies(ApplyPoliciesRequest.newBuilder()
          .setSourceName("fillers.yaml").setYaml(others.toString().substring(4)).build());
      await(b, base.getVersion());

      long[] stored = new long[trials];
      long[] installed = new long[trials];
      long[] agentUpdate = new long[trials];
      for (int t = 0; t < trials; t++) {
        String from = t % 2 == 0 ? "spiffe://example.org/client" : "spiffe://example.org/other";
        String yaml = "name: server\nmode: enforce\napplies_to: {spiffe_id: spiffe://example.org/server}\n"
            + "ingress:\n  - from: [{spiffe_id: " + from + "}]\n    ports: [7000]\n";
        Thread.sleep(500 + (t * 397L) % 1500);
        long start = System.nanoTime();
        ApplyPoliciesResponse r = h.policies().applyPolicies(ApplyPoliciesRequest.newBuilder()
            .setSourceName("server.yaml").setYaml(yaml).build());
        stored[t] = System.nanoTime() - start;
        installed[t] = await(b, r.getVersion()) - start;
        agentUpdate[t] = agentMicros(h.dir.resolve("agent2").resolve("audit.jsonl"),
            r.getVersion()) * 1000L;
      }
      long syncMillis = parseMillis(sync);
      StringBuilder out = new StringBuilder();
      out.append("Policy change to the kernel, ").append(trials).append(" trials, ")
          .append(fillers + 1).append(" policies in the set, agents syncing every ").append(sync)
          .append(":\n\n")
          .append("| measured from the ApplyPolicies call | p50 ms | p90 ms | max ms |\n")
          .append("| --- | --- | --- | --- |\n")
          .append(row("server stored the version (call returned)", stored))
          .append(row("node 2's kernel maps hold it (announcement)", installed))
          .append(row("of which node 2's agent update (fetch, parse, compile, write)", agentUpdate))
          .append(String.format("| baseline: without announcements, the next sync (uniform over %s) | %.0f | %.0f | %.0f |%n",
              sync, syncMillis / 2.0, syncMillis * 0.9, (double) syncMillis))
          .append(String.format("%nRatio p50 (announcement / next sync): %.3fx%n",
              percentile(installed, 50) / 1e6 / (syncMillis / 2.0)));
      System.out.println(out);
    }
  }

  /** Waits until node 2's kernel holds {@code version}; returns System.nanoTime() then. */
  private static long await(AgentDaemon agent, long version) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (agent.handshake().get().installedPolicyVersion() != version) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("policy version " + version + " not installed in 60 s");
      }
      Thread.onSpinWait();
      java.util.concurrent.locks.LockSupport.parkNanos(100_000);
    }
    return System.nanoTime();
  }

  /** The update time of the {@code datapath_updated} record for {@code version}, in µs. */
  private static long agentMicros(Path audit, long version) throws Exception {
    for (int attempt = 0; attempt < 100; attempt++) {
      List<String> lines = Files.readAllLines(audit);
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (!lines.get(i).contains("\"datapath_updated\"")) {
          continue;
        }
        JsonNode r = JSON.readTree(lines.get(i));
        if (r.path("policy_version").asLong() == version) {
          return r.path("micros").asLong();
        }
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no datapath_updated record for version " + version);
  }

  private static long parseMillis(String duration) {
    if (duration.endsWith("ms")) {
      return Long.parseLong(duration.substring(0, duration.length() - 2));
    }
    if (duration.endsWith("s")) {
      return Long.parseLong(duration.substring(0, duration.length() - 1)) * 1000;
    }
    throw new IllegalArgumentException("--sync " + duration + ": use ms or s");
  }

  private static double percentile(long[] values, int p) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static String row(String what, long[] nanos) {
    return String.format("| %s | %.1f | %.1f | %.1f |%n", what, percentile(nanos, 50) / 1e6,
        percentile(nanos, 90) / 1e6, percentile(nanos, 100) / 1e6);
  }
}
