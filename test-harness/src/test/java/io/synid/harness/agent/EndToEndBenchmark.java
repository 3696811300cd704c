package io.synid.harness.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synid.agent.AgentDaemon;
import io.synid.api.policy.v1.ApplyPoliciesRequest;
import io.synid.handshake.Counter;
import io.synid.handshake.HandshakeDatapath;
import io.synid.harness.Ratios;
import io.synid.harness.handshake.LinuxCalls;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Issue 6's end-to-end target, measured: "with enforcement and audit on, new connections per
 * second stay >= 0.95x plain TCP". Not a test: it prints Markdown tables.
 *
 * <p>The product as deployed, in one run: a real identity server and two Synid agents (this JVM,
 * the configuration of the end-to-end tests: datapath on the node cgroup, fail-open, audit to
 * {@code audit.jsonl} and forwarded to the server), on nodes 1 and 2 of {@link ThreeNodes}
 * (network namespaces on a bridge). {@code /client} (uid 1001, node 1) connects to {@code
 * /server} (uid 1002, node 2), which an {@code enforce} policy protects, allowing only {@code
 * /client} on {@link #SYNID_PORT}. Both workloads are processes of {@code tcp-workload.pl}: a
 * {@code sink} that accepts and closes, and a {@code rate} client doing N sequential connect +
 * close and timing each connect.
 *
 * <p>The baseline is plain TCP in the same run, on the same namespaces, devices, uids and
 * programs: the same sink and client in cgroups beside the node cgroups ({@code plain1}, {@code
 * plain2}), which no datapath sees. Nothing is loaded, attached or reconfigured between blocks.
 *
 * <p>Method (as in {@code HandshakeBenchmark}'s interleaved rows): blocks of N connections,
 * plain and synid alternating in ABBA order so that neither side always goes first; reported are
 * the median of the per-round rate ratios (synid / plain, min-max), the pooled ratio (all plain
 * time / all synid time), connect latency p50 and p99 ratios, failures and SYN retransmissions of
 * the client's namespace. A control row first runs the same blocks plain against plain: its
 * distance from 1.000x is the method's noise. After every block, of either side, the benchmark
 * waits until both agents' audit files have been still, and the server has acknowledged every
 * forwarded record, for {@link #SETTLE}, so that no block pays for the audit work of the one
 * before. Every decision is audited (the agent does not sample ALLOW events) and the agents
 * read the kernel's events every 50 ms, so part of a block's audit work comes after its last
 * connection: besides the rate the client sees, each block has a rate "with audit drained", its
 * connections over the time until its last record was written and acknowledged (plain blocks
 * have nothing to drain). The JVM's CPU time (agents, server, this benchmark) is counted per
 * block from its start until the wait ends.
 * Around the synid row: the kernel counters of both datapaths (read with bpftool) and the
 * connection records the agents wrote.
 *
 * <p>Usage: {@code EndToEndBenchmark [connections per block] [rounds] [--out FILE]
 * [--no-forward] [--workload-cpus LIST]} (defaults 2000 and 15; {@code --no-forward}: audit to
 * the file only, to tell the identity server's share of the JVM's work, which in production
 * runs elsewhere; {@code --workload-cpus}: run the workloads on these CPUs, e.g. {@code 1} with
 * this JVM started under {@code taskset -c 0}, so that the agents' audit work runs beside the
 * connections instead of between them, as on a node with a core to spare). Per-round values go to standard error. Everything (namespaces, cgroups, processes,
 * bpffs pin directories) is removed at the end, also after a failure or an interrupt.
 */
public final class EndToEndBenchmark {
  static final int CLIENT_UID = 1001;
  static final int SERVER_UID = 1002;
  static final int SYNID_PORT = 7000;
  static final int PLAIN_PORT = 7001;
  /** How long the audit files must stay unchanged before the next block starts. */
  static final Duration SETTLE = Duration.ofMillis(300);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String SERVER_ADDRESS = ThreeNodes.ADDRESSES.get(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CLOCK_PROCESS_CPUTIME_ID = 2;

  /** A client cgroup in node 1's namespace and the port of its server on node 2. */
  record Side(String name, Path clientCgroup, int port) {}

  /**
   * One block: {@code count} connections; {@code seconds} of the client's own timing; connect
   * latency percentiles; the client namespace's SYN retransmissions; the JVM's CPU time per
   * connection from the block's start until the audit settled, and the part of it after the
   * client finished (audit work the block left behind); how long after the client finished the
   * last audit record was written and acknowledged.
   */
  record Block(long count, long failed, double seconds, double p50Micros, double p99Micros,
      long synRetransmits, double jvmCpuMicros, double jvmCpuAfterMicros, double drainSeconds) {
    /** Connections per second as the client saw them. */
    double rate() {
      return count / seconds;
    }

    /**
     * Connections per second until the block's audit records were written and acknowledged by
     * the server: what the whole system sustains, whichever part of the audit work fell after
     * the client's last connection.
     */
    double sustainedRate() {
      return count / (seconds + drainSeconds);
    }
  }

  /** The kernel's counters of one datapath, summed over CPUs, by {@link Counter} ordinal. */
  record Counters(long[] values) {
    long get(Counter c) {
      return c.ordinal() < values.length ? values[c.ordinal()] : 0;
    }

    long total() {
      return java.util.Arrays.stream(values).sum();
    }
  }

  /** Connection records of one agent's audit files above a sequence number. */
  record AuditCount(long lastSeq, long allowed, long denied) {}

  private final int perBlock;
  private final int rounds;
  private final boolean forward;
  private final List<String> report = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Map<Integer, Integer> counterMaps = new java.util.HashMap<>();
  private AgentHarness h;
  private ThreeNodes nodes;
  private Side plain;
  private Side synid;

  /** Where the workload processes run ({@code --workload-cpus}), null for everywhere. */
  private String workloadCpus;

  private EndToEndBenchmark(int perBlock, int rounds, boolean forward) {
    this.perBlock = perBlock;
    this.rounds = rounds;
    this.forward = forward;
  }

  public static void main(String[] args) throws Exception {
    List<String> positional = new ArrayList<>();
    Path out = null;
    boolean forward = true;
    String workloadCpus = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--out")) {
        out = Path.of(args[++i]);
      } else if (args[i].equals("--no-forward")) {
        forward = false;
      } else if (args[i].equals("--workload-cpus")) {
        workloadCpus = args[++i];
      } else {
        positional.add(args[i]);
      }
    }
    int perBlock = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 2000;
    int rounds = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 15;
    EndToEndBenchmark benchmark = new EndToEndBenchmark(perBlock, rounds, forward);
    benchmark.workloadCpus = workloadCpus;
    Thread hook = new Thread(benchmark::close, "cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    int status = 1;
    try {
      benchmark.setUp();
      benchmark.measure();
      status = 0;
    } catch (Throwable e) {
      e.printStackTrace();
    } finally {
      benchmark.close();
      if (out != null) {
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, benchmark.report);
      }
    }
    // gRPC and agent threads outlive close() for a while; the results are out.
    System.exit(status);
  }

  private void print(String format, Object... args) {
    String line = String.format(Locale.ROOT, format, args);
    System.out.println(line);
    report.add(line);
  }

  // ---- set-up ----

  private void setUp() throws Exception {
    h = new AgentHarness();
    h.startServer(Optional.empty());
    nodes = new ThreeNodes(h);
    nodes.workloadCpus = workloadCpus;
    nodes.buildNetwork();
    for (int node = 1; node <= 2; node++) {
      // No TIME_WAIT sockets: the client closes first and tens of thousands of connections a
      // minute would otherwise exhaust its ephemeral ports. The packets on the wire are the same.
      ThreeNodes.run("ip", "netns", "exec", ThreeNodes.ns(node), "sysctl", "-qw",
          "net.ipv4.tcp_max_tw_buckets=0");
    }
    String audit = forward ? "{forwardToServer: true}" : "{forwardToServer: false}";
    nodes.startAgent(1, "1s", audit);
    nodes.startAgent(2, "1s", audit);
    h.createEntry(nodes.agentId(1), "/client", 0, "unix:uid:" + CLIENT_UID);
    h.createEntry(nodes.agentId(2), "/server", 0, "unix:uid:" + SERVER_UID);

    // Each client cgroup keeps a resident process: the agent attests cgroups that have
    // processes, and the rate clients come and go between blocks. The plain side gets one too so
    // that the two sides differ only in where their cgroups are.
    Path plain1 = nodes.outsideCgroup("plain1");
    Path plain2 = nodes.outsideCgroup("plain2");
    nodes.startWorkload(1, "client", CLIENT_UID, "serve", "9000");
    nodes.startWorkloadIn(plain1, 1, CLIENT_UID, h.dir.resolve("plain1.out"), "serve", "9001");
    nodes.startWorkload(2, "server", SERVER_UID, "sink", Integer.toString(SYNID_PORT));
    nodes.startWorkloadIn(plain2, 2, SERVER_UID, h.dir.resolve("plain2.out"), "sink",
        Integer.toString(PLAIN_PORT));
    for (String out : List.of("n1-client.out", "plain1.out", "n2-server.out", "plain2.out")) {
      awaitListening(h.dir.resolve(out));
    }
    synid = new Side("synid", nodes.nodeCgroup(1).resolve("client"), SYNID_PORT);
    plain = new Side("plain", plain1, PLAIN_PORT);

    awaitUntil("both agents install their workload and the other node's", () -> {
      for (AgentDaemon agent : nodes.agents) {
        if (agent.handshake().isEmpty() || agent.handshake().get().installedWorkloads() != 1
            || agent.handshake().get().knownBindings() < 2) {
          return false;
        }
      }
      return true;
    });
    long version = h.policies().applyPolicies(ApplyPoliciesRequest.newBuilder()
        .setSourceName("server.yaml").setYaml("""
            name: server
            mode: enforce
            applies_to: {spiffe_id: spiffe://example.org/server}
            ingress:
              - from: [{spiffe_id: spiffe://example.org/client}]
                ports: [%d]
            """.formatted(SYNID_PORT)).build()).getVersion();
    awaitUntil("both agents install policy version " + version, () -> nodes.agents.stream()
        .allMatch(a -> a.handshake().get().installedPolicyVersion() == version));
  }

  private static void awaitListening(Path out) throws Exception {
    awaitUntil(out.getFileName() + " listening", () ->
        Files.exists(out) && Files.readString(out).contains("listening"));
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  private static void awaitUntil(String what, Condition condition) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("gave up waiting: " + what);
      }
      Thread.sleep(100);
    }
  }

  // ---- measurement ----

  private void measure() throws Exception {
    print("### End to end, enforcement and audit on (%d sequential connections per block, %d "
        + "rounds, ABBA; audit to file%s)%n", perBlock, rounds, forward ? " and server" : " only");
    print("Started %s; kernel %s; CPUs allowed: %s; load average: %s", Instant.now(),
        ThreeNodes.run("uname", "-r").trim(), cpusAllowed(), loadAverage());

    // Enforcement is on: a client without identity (node 1's namespace, outside the node cgroup)
    // is refused by /server; /client gets through; the plain pair meets no program at all.
    Counters[] before = counters();
    check(block(new Side("no identity", plain.clientCgroup(), SYNID_PORT), 1).failed() == 1,
        "a client without identity reached the enforced /server");
    check(block(synid, 1).failed() == 0, "/client could not connect to /server");
    Counters[] afterChecks = counters();
    check(afterChecks[1].get(Counter.DENIED) > before[1].get(Counter.DENIED),
        "node 2's datapath did not count the refusal");
    block(plain, 200); // warm-up, and no program may see the plain pair
    Counters[] afterPlain = counters();
    for (int i = 0; i < 2; i++) {
      check(afterPlain[i].total() == afterChecks[i].total(),
          "node " + (i + 1) + "'s datapath counted plain connections");
    }
    block(synid, 200); // warm-up

    print("| row | client conn/s plain / synid | client rate ratio (min-max) | pooled "
        + "| with audit drained conn/s plain / synid | with audit drained ratio (min-max) | pooled "
        + "| connect p50 plain / synid (us) | p50 ratio (min-max) | connect p99 plain / synid (us) "
        + "| p99 ratio (min-max) | failed plain / synid | SYN retransmits plain / synid "
        + "| JVM CPU per connection plain / synid (us) |");
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    row("control: plain against plain", plain, plain);

    Counters[] kernelBefore = counters();
    AuditCount[] auditBefore = {audit(1, Long.MAX_VALUE), audit(2, Long.MAX_VALUE)};
    long[] forwardedBefore = {acknowledged(1), acknowledged(2)};
    List<Block> synidBlocks = row("synid (enforce + audit) against plain", plain, synid);
    Counters[] kernelAfter = counters();
    AuditCount[] auditAfter = {audit(1, auditBefore[0].lastSeq()),
        audit(2, auditBefore[1].lastSeq())};

    long connections = (long) perBlock * rounds;
    print("%nLoad average at the end: %s%n", loadAverage());
    print("### Datapath and audit during the synid blocks (%d x %d = %d connections)%n", rounds,
        perBlock, connections);
    print("| node | kernel ALLOWED | DENIED | EVENTS_LOST | EVENTS_SAMPLED | connection records "
        + "written (allowed / denied) | records forwarded to the server / written (all events) |");
    print("| --- | --- | --- | --- | --- | --- | --- |");
    for (int i = 0; i < 2; i++) {
      Counter[] shown = {Counter.ALLOWED, Counter.DENIED, Counter.EVENTS_LOST,
          Counter.EVENTS_SAMPLED};
      long[] delta = new long[shown.length];
      for (int k = 0; k < shown.length; k++) {
        delta[k] = kernelAfter[i].get(shown[k]) - kernelBefore[i].get(shown[k]);
      }
      long written = auditAfter[i].lastSeq() - auditBefore[i].lastSeq();
      print("| %d (%s) | %d | %d | %d | %d | %d / %d | %d / %d |", i + 1,
          i == 0 ? "/client" : "/server", delta[0], delta[1], delta[2], delta[3],
          auditAfter[i].allowed(), auditAfter[i].denied(),
          acknowledged(i + 1) - forwardedBefore[i], written);
    }
    double[] drain = synidBlocks.stream().mapToDouble(Block::drainSeconds).sorted().toArray();
    print("%nAfter a synid block, both audit files were complete and the server had every record "
        + "%.0f ms (median; max %.0f ms) after the client's last connection.",
        drain[drain.length / 2] * 1e3, drain[drain.length - 1] * 1e3);
  }

  private static void check(boolean condition, String failure) {
    if (!condition) {
      throw new IllegalStateException(failure);
    }
  }

  /** ABBA rounds of {@code a} and {@code b}; prints the row, returns b's blocks. */
  private List<Block> row(String label, Side a, Side b) throws Exception {
    List<Block> as = new ArrayList<>();
    List<Block> bs = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < 2; k++) {
        boolean aNow = (r + k) % 2 == 0; // ABBA: neither side always goes first
        (aNow ? as : bs).add(block(aNow ? a : b, perBlock));
      }
      Block x = as.get(r);
      Block y = bs.get(r);
      System.err.printf(Locale.ROOT, "%s round %d: %s %.0f conn/s p50 %.0f us CPU %.1f us (%.1f"
          + " after), %s %.0f conn/s p50 %.0f us CPU %.1f us (%.1f after), audit drained %.0f ms"
          + "%n", label, r, a.name(), x.rate(), x.p50Micros(), x.jvmCpuMicros(),
          x.jvmCpuAfterMicros(), b.name(), y.rate(), y.p50Micros(), y.jvmCpuMicros(),
          y.jvmCpuAfterMicros(), y.drainSeconds() * 1e3);
    }
    double aSeconds = as.stream().mapToDouble(Block::seconds).sum();
    double bSeconds = bs.stream().mapToDouble(Block::seconds).sum();
    double aDrained = aSeconds + as.stream().mapToDouble(Block::drainSeconds).sum();
    double bDrained = bSeconds + bs.stream().mapToDouble(Block::drainSeconds).sum();
    print("| %s | %.0f / %.0f | %s | %.3fx | %.0f / %.0f | %s | %.3fx | %.0f / %.0f | %s "
        + "| %.0f / %.0f | %s | %d / %d | %d / %d | %.1f / %.1f |", label,
        Ratios.median(as, Block::rate), Ratios.median(bs, Block::rate),
        Ratios.cell(Ratios.perRound(as, bs, Block::rate)), aSeconds / bSeconds,
        Ratios.median(as, Block::sustainedRate), Ratios.median(bs, Block::sustainedRate),
        Ratios.cell(Ratios.perRound(as, bs, Block::sustainedRate)), aDrained / bDrained,
        Ratios.median(as, Block::p50Micros), Ratios.median(bs, Block::p50Micros),
        Ratios.cell(Ratios.perRound(as, bs, Block::p50Micros)),
        Ratios.median(as, Block::p99Micros), Ratios.median(bs, Block::p99Micros),
        Ratios.cell(Ratios.perRound(as, bs, Block::p99Micros)),
        as.stream().mapToLong(Block::failed).sum(), bs.stream().mapToLong(Block::failed).sum(),
        as.stream().mapToLong(Block::synRetransmits).sum(),
        bs.stream().mapToLong(Block::synRetransmits).sum(),
        Ratios.median(as, Block::jvmCpuMicros), Ratios.median(bs, Block::jvmCpuMicros));
    return bs;
  }

  /** Runs {@code n} connections of {@code side} as one client process, then lets audit settle. */
  private Block block(Side side, int n) throws Exception {
    long retransmits = synRetransmits();
    long cpu = jvmCpuNanos();
    Map<String, Object> result = nodes.runClientIn(side.clientCgroup(), 1, CLIENT_UID,
        Duration.ofSeconds(60 + 3L * n / 100), "rate", SERVER_ADDRESS,
        Integer.toString(side.port()), Integer.toString(n));
    long clientDone = System.nanoTime();
    long cpuDone = jvmCpuNanos();
    if (!result.containsKey("elapsed_ns")) {
      throw new IllegalStateException("the rate client printed " + result);
    }
    double drainSeconds = settle(clientDone);
    long cpuEnd = jvmCpuNanos();
    return new Block(number(result, "count").longValue(), number(result, "failed").longValue(),
        number(result, "elapsed_ns").doubleValue() / 1e9, number(result, "p50_us").doubleValue(),
        number(result, "p99_us").doubleValue(), synRetransmits() - retransmits,
        (cpuEnd - cpu) / 1e3 / n, (cpuEnd - cpuDone) / 1e3 / n, drainSeconds);
  }

  private static Number number(Map<String, Object> json, String key) {
    return (Number) json.get(key);
  }

  /**
   * Waits until both agents' audit files have not changed and the server has acknowledged
   * everything in them for {@link #SETTLE}; returns the seconds from {@code since} to the last
   * poll (every 20 ms) that still saw a file change or a record not yet acknowledged, 0 if none.
   */
  private double settle(long since) throws Exception {
    long[] size = new long[2];
    long lastBusy = since;
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (int i = 0; i < 2; i++) {
      size[i] = Files.size(auditFile(i + 1));
    }
    while (true) {
      long now = System.nanoTime();
      boolean busy = false;
      for (int i = 0; i < 2; i++) {
        long s = Files.size(auditFile(i + 1));
        busy |= s != size[i];
        size[i] = s;
      }
      for (int i = 0; i < 2 && forward && !busy; i++) {
        busy = acknowledged(i + 1) < lastSeq(auditFile(i + 1));
      }
      if (busy) {
        lastBusy = now;
      }
      if (!busy && now - lastBusy >= SETTLE.toNanos() && now - since >= SETTLE.toNanos()) {
        return (lastBusy - since) / 1e9;
      }
      Thread.sleep(20);
      if (now > deadline) {
        throw new IllegalStateException("the audit did not settle within " + WAIT);
      }
    }
  }

  // ---- readings ----

  private Path auditFile(int node) {
    return h.dir.resolve("agent" + node).resolve("audit.jsonl");
  }

  private long acknowledged(int node) {
    return h.server().datastore().forwardedAudit().acknowledged(nodes.agentId(node));
  }

  /** The sequence number of the last complete line of an audit file, 0 if none. */
  private static long lastSeq(Path file) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long length = f.length();
      int tail = (int) Math.min(length, 1 << 16);
      byte[] bytes = new byte[tail];
      f.seek(length - tail);
      f.readFully(bytes);
      String text = new String(bytes, StandardCharsets.UTF_8);
      int end = text.lastIndexOf('\n');
      if (end < 0) {
        return 0;
      }
      int start = text.lastIndexOf('\n', end - 1) + 1;
      return seq(text.substring(start, end));
    }
  }

  private static long seq(String line) {
    int i = line.indexOf("\"seq\":");
    if (i < 0) {
      return 0;
    }
    int j = i + 6;
    int k = j;
    while (k < line.length() && Character.isDigit(line.charAt(k))) {
      k++;
    }
    return Long.parseLong(line.substring(j, k));
  }

  /**
   * The connection records of {@code node}'s audit files (the current one and rotated ones) with
   * sequence numbers above {@code after}, and the highest sequence number written.
   */
  private AuditCount audit(int node, long after) throws IOException {
    long last = 0;
    long allowed = 0;
    long denied = 0;
    Path dir = auditFile(node).getParent();
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().startsWith("audit.jsonl")).toList();
    }
    for (Path file : files) {
      try (Stream<String> lines = Files.lines(file)) {
        for (String line : (Iterable<String>) lines::iterator) {
          long s = seq(line);
          last = Math.max(last, s);
          if (s > after && line.contains("\"event\":\"connection\"")) {
            if (line.contains("\"verdict\":\"denied\"")) {
              denied++;
            } else {
              allowed++;
            }
          }
        }
      }
    }
    return new AuditCount(last, allowed, denied);
  }

  /** TcpExt TCPSynRetrans of node 1's namespace (the clients'). */
  private static long synRetransmits() {
    return io.synid.harness.NetStat.tcpExt(ThreeNodes.run("ip", "netns", "exec", ThreeNodes.ns(1),
        "cat", "/proc/net/netstat").lines().toList(), "TCPSynRetrans");
  }


  /**
   * CPU time of this JVM (agents, identity server, this benchmark) from CLOCK_PROCESS_CPUTIME_ID:
   * the MXBean's figure comes in 10 ms ticks here, coarser than a short block.
   */
  private static long jvmCpuNanos() {
    Pointer ts = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(LinuxCalls.LIBC), 16);
    LinuxCalls.LIBC.clock_gettime(CLOCK_PROCESS_CPUTIME_ID, ts);
    return ts.getLong(0) * 1_000_000_000L + ts.getLong(8);
  }

  /** Both nodes' kernel counters. */
  private Counters[] counters() throws IOException {
    return new Counters[] {counters(1), counters(2)};
  }

  /**
   * The {@code counters} map of the programs attached to the node cgroup, read from the kernel
   * with bpftool: the agents keep their datapath to themselves, and this reads what the kernel
   * counted without going through them.
   */
  private Counters counters(int node) throws IOException {
    Integer mapId = counterMaps.get(node);
    if (mapId == null) {
      Set<Integer> maps = new LinkedHashSet<>();
      for (JsonNode program : bpftool("cgroup", "show", nodes.nodeCgroup(node).toString())) {
        for (JsonNode id : bpftool("prog", "show", "id", program.get("id").asText())
            .path("map_ids")) {
          maps.add(id.asInt());
        }
      }
      for (int id : maps) {
        if (bpftool("map", "show", "id", Integer.toString(id)).path("name").asText()
            .equals("counters")) {
          mapId = id;
        }
      }
      if (mapId == null) {
        throw new IllegalStateException("no counters map on " + nodes.nodeCgroup(node));
      }
      counterMaps.put(node, mapId);
    }
    long[] values = new long[32];
    for (JsonNode entry : bpftool("map", "dump", "id", Integer.toString(mapId))) {
      int key = (int) littleEndian(entry.get("key"));
      long sum = 0;
      for (JsonNode cpu : entry.get("values")) {
        sum += littleEndian(cpu.get("value"));
      }
      if (key < values.length) {
        values[key] = sum;
      }
    }
    return new Counters(values);
  }

  private static JsonNode bpftool(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("bpftool", "-j"));
    command.addAll(List.of(args));
    return JSON.readTree(ThreeNodes.run(command.toArray(String[]::new)));
  }

  /** bpftool's raw bytes ({@code ["0x03","0x00",...]}) as a little-endian number. */
  private static long littleEndian(JsonNode bytes) {
    long v = 0;
    for (int i = bytes.size() - 1; i >= 0; i--) {
      v = (v << 8) | Long.decode(bytes.get(i).asText());
    }
    return v;
  }

  private static String loadAverage() throws IOException {
    return Files.readString(Path.of("/proc/loadavg")).trim();
  }

  private static String cpusAllowed() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(l -> l.startsWith("Cpus_allowed_list:")).map(l -> l.substring(18).trim())
        .findFirst().orElse("?");
  }

  // ---- cleanup ----

  /**
   * ThreeNodes gives each cgroup 5 s to empty; on a loaded single CPU the workloads' exit can
   * take longer (seen once after a pinned run), so keep trying for another 20 s and say so if a
   * cgroup stays behind.
   */
  private static void removeLeftoverCgroups(Path root) {
    for (int attempt = 0; attempt < 200 && Files.exists(root); attempt++) {
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path dir : walk.filter(Files::isDirectory)
            .sorted(java.util.Comparator.comparingInt(Path::getNameCount).reversed()).toList()) {
          Files.deleteIfExists(dir);
        }
      } catch (IOException | java.io.UncheckedIOException busy) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    if (Files.exists(root)) {
      System.err.println("cleanup: " + root + " is still there (processes in it?)");
    }
  }

  /** Stops everything and removes what the run created; safe to call twice and after failures. */
  private void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (h != null) {
        h.close();
      }
    } catch (Exception e) {
      System.err.println("cleanup: " + e);
    }
    if (nodes != null) {
      nodes.close();
      removeLeftoverCgroups(nodes.cgroupRoot);
      // The agents run fail-open and pin nothing, but their configuration names a pin
      // directory per node: leave none behind whatever happened.
      for (int node = 1; node <= 3; node++) {
        try {
          HandshakeDatapath.removePinned(Path.of("/sys/fs/bpf/" + nodes.tag + "n" + node));
        } catch (Exception e) {
          System.err.println("cleanup: " + e);
        }
      }
    }
  }
}
