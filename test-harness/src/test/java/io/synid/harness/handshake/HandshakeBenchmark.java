package io.synid.harness.handshake;

import io.synid.handshake.Counter;
import io.synid.handshake.DatapathConfig;
import io.synid.handshake.Fp1Option;
import io.synid.handshake.Fp1Tag;
import io.synid.handshake.HandshakeDatapath;
import io.synid.handshake.HandshakeDatapath.IngressProgram;
import io.synid.handshake.HandshakeEvent;
import io.synid.handshake.PairwiseKeys;
import io.synid.handshake.ProgramStats;
import io.synid.handshake.TcpHandshake;
import io.synid.handshake.VerdictRule;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The handshake datapath against plain TCP on the same path in the same run: veth between two
 * namespaces (client on A, server on B) and loopback inside B. Not a test: it prints Markdown
 * tables of ratios (with Synid / plain TCP), the median over rounds and the spread (min-max).
 * Phases alternate plain, synid, plain, synid... so drift on a shared machine hits both sides.
 *
 * <p>Sections: connection rate and connect latency; in-kernel CPU per connection (run-time
 * statistics, a separate phase); established throughput; 1-byte round trip; SYN retransmissions
 * cold (first connection after a fresh load) and warm (all rate phases); verdict update latency.
 *
 * <p>Usage: {@code HandshakeBenchmark [connections per phase] [rounds] [sections]} (defaults 1000,
 * 15, all of {@code rate,interleaved,cost,check,established,cold,verdict}). Ratios are the median of the
 * per-round ratios; many short rounds resist this machine's noise better than a few long ones.
 * {@code rate} detaches the datapaths for plain TCP (programs loaded and attached between
 * phases); {@code interleaved} keeps them attached to the mesh workloads' cgroups and alternates
 * blocks of plain connections (workloads outside those cgroups) with synid ones. Per-round values
 * go to standard error. {@code -Dsynid.bench.fleet=N}: each node also knows N other nodes (one
 * host entry each), as in a fleet of N + 2 nodes.
 */
public final class HandshakeBenchmark {

  private static final int ECHO_PORT = 8081;
  private static final long TRANSFER_BYTES = 256L << 20;
  private static final int PINGS = 5_000;
  private static final int COLD_TRIALS = 20;
  private static final int VERDICT_TRIALS = 20;
  private static final int FILLER_RULES = 5_000;

  /** The sections, in the order they run. */
  private static final Set<String> SECTIONS = new LinkedHashSet<>(List.of("rate", "interleaved", "cost",
      "check", "established", "cold", "verdict"));

  private HandshakeBenchmark() {}

  /**
   * One phase: rate, connect latency, this process's CPU time per connection (both ends run in
   * it), and the rate its quicker connections reach: 1 / the 25th percentile of the cycle time
   * (one connect + close to the next), which other tenants' bursts hardly move (they only ever add
   * time to the cycles they hit).
   */
  record Phase(double connectionsPerSecond, double p50Micros, double p99Micros, double cpuMicros,
      double p25CycleRate) {}

  record Route(String name, NodeThread client, InetAddress target, int port) {
    Route(String name, NodeThread client, InetAddress target) {
      this(name, client, target, TwoNodes.PORT);
    }
  }

  public static void main(String[] args) throws Exception {
    int perPhase = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    Set<String> sections = args.length > 2 ? Set.of(args[2].split(",")) : SECTIONS;
    if (!SECTIONS.containsAll(sections)) {
      throw new IllegalArgumentException("sections are a comma-separated subset of " + SECTIONS);
    }
    System.out.printf(Locale.ROOT, "load average at start: %s%n", loadAverage());
    try (TwoNodes nodes = TwoNodes.start(n -> DatapathConfig.failOpen(n.cgroup))) {
      for (TwoNodes.Node n : List.of(nodes.a, nodes.b)) {
        // No TIME_WAIT: tens of thousands of connections per minute would otherwise exhaust the
        // ephemeral ports (the client closes first). The wire exchange is the same.
        Commands.run("ip", "netns", "exec", n.name, "sysctl", "-qw", "net.ipv4.tcp_max_tw_buckets=0");
      }
      int fleet = Integer.getInteger("synid.bench.fleet", 0);
      if (fleet > 0) {
        // Other nodes of a fleet, as an agent installs them: one host entry per node address.
        for (TwoNodes.Node n : List.of(nodes.a, nodes.b)) {
          for (int i = 0; i < fleet; i++) {
            n.datapath.setPeerNode(InetAddress.getByAddress(new byte[] {10, (byte) 200, (byte) (i >> 8),
                (byte) i}), 32, 100 + i);
          }
        }
        System.out.printf(Locale.ROOT, "each node also knows %d other nodes (one /32 each)%n", fleet);
      }
      nodes.closeLater(SinkServer.listen(nodes.b.thread("server"), null, TwoNodes.PORT));
      nodes.closeLater(SinkServer.listen(nodes.b.thread("plain"), null, TwoNodes.PLAIN_PORT));
      nodes.closeLater(EchoServer.listen(nodes.b.thread("server"), null, ECHO_PORT));
      List<Route> paths = List.of(new Route("veth", nodes.a.thread("client"), TwoNodes.B4),
          new Route("loopback", nodes.b.thread("local"), InetAddress.getByName("127.0.0.1")));

      if (sections.contains("rate")) {
        System.out.println("\n### Connection rate and connect latency (" + perPhase
            + " sequential connections per phase, " + rounds + " rounds)\n");
        System.out.println("| path | plain conn/s | synid conn/s | rate ratio (min-max) | p50 plain / synid (us) "
            + "| p50 ratio (min-max) | p99 plain / synid (us) | p99 ratio (min-max) | CPU per connection plain / synid "
            + "(us) | CPU ratio (min-max) | SYN retransmits plain / synid | denied |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (Route p : paths) {
          rates(nodes, p, perPhase, rounds);
        }
        System.out.printf(Locale.ROOT, "%nload average: %s%n", loadAverage());
      }
      if (sections.contains("interleaved")) {
        System.out.println("\n### Connection rate and connect latency, interleaved (" + perPhase
            + " sequential connections per block, " + rounds + " rounds of one plain and one synid block; "
            + "the control rows run both sides without any program)\n");
        System.out.println("| path | plain conn/s | synid conn/s | rate ratio (min-max) | pooled rate ratio "
            + "| p25-cycle rate plain / synid (conn/s) | p25-cycle rate ratio (min-max) | p50 plain / synid (us) "
            + "| p50 ratio (min-max) | CPU per connection plain / synid (us) | CPU ratio (min-max) | denied |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        interleaved(nodes, perPhase, rounds);
        System.out.printf(Locale.ROOT, "%nload average: %s%n", loadAverage());
      }
      if (sections.contains("cost")) {
        System.out.println("\n### In-kernel CPU per connection (run-time statistics on, " + perPhase
            + " connections)\n");
        System.out.println("| path | node | program | runs | runs per connection | ns per run | ns per connection |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        for (Route p : paths) {
          cost(nodes, p, perPhase);
        }
        System.out.printf(Locale.ROOT, "%nload average: %s%n", loadAverage());
      }
      if (sections.contains("check")) {
        System.out.println("\n### One ingress check in the kernel (test runs of synid_ingress on hand-made frames; warm: "
            + "mean of " + CHECK_REPEAT + " runs in the kernel (" + REFUSED_REPEAT + " for refusals), median of 3; "
            + "cold: median of " + COLD_CHECKS
            + " single runs, each after writing " + (EVICT_BYTES >> 20) + " MiB)\n");
        System.out.println("| frame | node | verdict | warm ns per run | cold ns per run |");
        System.out.println("| --- | --- | --- | --- | --- |");
        checks(nodes);
        System.out.printf(Locale.ROOT, "%nload average: %s%n", loadAverage());
      }
      if (sections.contains("established")) {
        System.out.println("\n### Established throughput (" + (TRANSFER_BYTES >> 20) + " MiB per phase) and 1-byte "
            + "round trip (" + PINGS + " per phase), " + rounds + " rounds\n");
        System.out.println("| path | plain MiB/s | synid MiB/s | throughput ratio (min-max) "
            + "| RTT p50 plain / synid (us) | RTT ratio (min-max) |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        for (Route p : paths) {
          established(nodes, p, rounds);
        }
        System.out.printf(Locale.ROOT, "%nload average: %s%n", loadAverage());
      }
      if (sections.contains("cold")) {
        System.out.println("\n### SYN loss, cold: first connection after a fresh load (" + COLD_TRIALS
            + " trials)\n");
        System.out.println("| path | connected | SYN retransmits | denied | connect p50 / max (us) |");
        System.out.println("| --- | --- | --- | --- | --- |");
        for (Route p : paths) {
          cold(nodes, p);
        }
      }
      if (sections.contains("verdict")) {
        System.out.println("\n### Verdict update latency (" + VERDICT_TRIALS + " trials, " + FILLER_RULES
            + " other rules in the set)\n");
        verdictLatency(nodes);
      }
      System.out.printf(Locale.ROOT, "%nload average at end: %s%n", loadAverage());
    }
  }

  // ---- connection rate ----

  private static void rates(TwoNodes nodes, Route p, int n, int rounds) throws Exception {
    List<Phase> plain = new ArrayList<>();
    List<Phase> synid = new ArrayList<>();
    long denied = 0;
    long plainRetrans = 0;
    long synidRetrans = 0;
    run(p, 200); // warm the JIT and the path
    for (int r = 0; r < rounds; r++) {
      nodes.attached(false);
      long before = synRetransmits(p.client());
      plain.add(run(p, n));
      plainRetrans += synRetransmits(p.client()) - before;
      nodes.attached(true);
      before = synRetransmits(p.client());
      synid.add(run(p, n));
      synidRetrans += synRetransmits(p.client()) - before;
      denied += nodes.a.datapath.counters().get(Counter.DENIED) + nodes.b.datapath.counters().get(Counter.DENIED);
    }
    for (int r = 0; r < plain.size(); r++) {
      System.err.printf(Locale.ROOT, "%s round %d: plain %.0f conn/s %.1f us CPU, synid %.0f conn/s %.1f us CPU%n",
          p.name(), r, plain.get(r).connectionsPerSecond(), plain.get(r).cpuMicros(),
          synid.get(r).connectionsPerSecond(), synid.get(r).cpuMicros());
    }
    double[] rate = ratios(plain, synid, Phase::connectionsPerSecond);
    double[] p50 = ratios(plain, synid, Phase::p50Micros);
    double[] p99 = ratios(plain, synid, Phase::p99Micros);
    double[] cpu = ratios(plain, synid, Phase::cpuMicros);
    System.out.printf(Locale.ROOT,
        "| %s | %.0f | %.0f | %s | %.0f / %.0f | %s | %.0f / %.0f | %s | %.1f / %.1f | %s | %d / %d | %d |%n",
        p.name(), median(plain, Phase::connectionsPerSecond), median(synid, Phase::connectionsPerSecond),
        ratioCell(rate), median(plain, Phase::p50Micros), median(synid, Phase::p50Micros), ratioCell(p50),
        median(plain, Phase::p99Micros), median(synid, Phase::p99Micros), ratioCell(p99),
        median(plain, Phase::cpuMicros), median(synid, Phase::cpuMicros), ratioCell(cpu), plainRetrans,
        synidRetrans, denied);
  }

  // ---- connection rate, interleaved ----

  /**
   * Plain TCP and synid in the same topology with the datapaths attached the whole time: they sit
   * on the nodes' mesh cgroups, so the plain workloads' sockets (A/plain to a listener of B/plain)
   * meet no program at all, while the mesh workloads' connections are signed and checked. Blocks of
   * both kinds alternate (ABBA order) without any program being loaded or attached in between, so
   * the two sides see the same machine within a fraction of a second. A control row first runs the
   * same blocks with no datapath at all: what it shows beside 1.000x is the harness's own asymmetry
   * and the machine's noise.
   */
  private static void interleaved(TwoNodes nodes, int n, int rounds) throws Exception {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    List<Route[]> pairs = List.of(
        new Route[] {new Route("veth", nodes.a.thread("plain"), TwoNodes.B4, TwoNodes.PLAIN_PORT),
            new Route("veth", nodes.a.thread("client"), TwoNodes.B4, TwoNodes.PORT)},
        new Route[] {new Route("loopback", nodes.b.thread("plain"), loopback, TwoNodes.PLAIN_PORT),
            new Route("loopback", nodes.b.thread("local"), loopback, TwoNodes.PORT)});
    try {
      for (Route[] pair : pairs) {
        nodes.attached(false);
        interleavedRow(nodes, pair, pair[0].name() + " (control: no program on either side)", n, rounds);
        nodes.reopenAll(node -> DatapathConfig.failOpen(node.mesh()));
        interleavedRow(nodes, pair, pair[0].name(), n, rounds);
      }
    } finally {
      nodes.reopenAll(node -> DatapathConfig.failOpen(node.cgroup));
    }
  }

  private static void interleavedRow(TwoNodes nodes, Route[] pair, String label, int n, int rounds)
      throws Exception {
    long deniedBefore = denied(nodes);
    run(pair[0], 200);
    run(pair[1], 200);
    List<Phase> plain = new ArrayList<>();
    List<Phase> synid = new ArrayList<>();
    double plainSeconds = 0;
    double synidSeconds = 0;
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < 2; k++) {
        boolean plainNow = (r + k) % 2 == 0; // ABBA: neither side always goes first
        Phase ph = run(plainNow ? pair[0] : pair[1], n);
        if (plainNow) {
          plain.add(ph);
          plainSeconds += n / ph.connectionsPerSecond();
        } else {
          synid.add(ph);
          synidSeconds += n / ph.connectionsPerSecond();
        }
      }
    }
    for (int r = 0; r < rounds; r++) {
      System.err.printf(Locale.ROOT, "%s interleaved round %d: plain %.0f conn/s %.0f p25-cycle %.1f us CPU, synid "
          + "%.0f conn/s %.0f p25-cycle %.1f us CPU%n", label, r, plain.get(r).connectionsPerSecond(),
          plain.get(r).p25CycleRate(), plain.get(r).cpuMicros(), synid.get(r).connectionsPerSecond(),
          synid.get(r).p25CycleRate(), synid.get(r).cpuMicros());
    }
    double[] rate = ratios(plain, synid, Phase::connectionsPerSecond);
    double[] quick = ratios(plain, synid, Phase::p25CycleRate);
    double[] p50 = ratios(plain, synid, Phase::p50Micros);
    double[] cpu = ratios(plain, synid, Phase::cpuMicros);
    System.out.printf(Locale.ROOT,
        "| %s | %.0f | %.0f | %s | %.3fx | %.0f / %.0f | %s | %.0f / %.0f | %s | %.1f / %.1f | %s | %d |%n",
        label, median(plain, Phase::connectionsPerSecond), median(synid, Phase::connectionsPerSecond),
        ratioCell(rate), plainSeconds / synidSeconds, median(plain, Phase::p25CycleRate),
        median(synid, Phase::p25CycleRate), ratioCell(quick), median(plain, Phase::p50Micros),
        median(synid, Phase::p50Micros), ratioCell(p50), median(plain, Phase::cpuMicros),
        median(synid, Phase::cpuMicros), ratioCell(cpu), denied(nodes) - deniedBefore);
  }

  private static long denied(TwoNodes nodes) throws Exception {
    if (nodes.a.datapath == null) {
      return 0; // detached: nothing can refuse
    }
    return nodes.a.datapath.counters().get(Counter.DENIED) + nodes.b.datapath.counters().get(Counter.DENIED);
  }

  private static Phase run(Route p, int n) throws Exception {
    long[] micros = new long[n];
    long[] cycles = new long[n];
    long cycleStart = 0;
    long cpuStart = processCpuNanos();
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      if (i > 0) {
        cycles[i - 1] = t0 - cycleStart;
      }
      cycleStart = t0;
      Client.Attempt c = Client.connect(p.client(), p.target(), p.port(), 3_000);
      micros[i] = (System.nanoTime() - t0) / 1_000;
      if (!c.connected()) {
        throw new IllegalStateException("connection " + i + " failed: " + c.failure());
      }
      c.socket().close();
    }
    long end = System.nanoTime();
    cycles[n - 1] = end - cycleStart;
    double seconds = (end - start) / 1e9;
    double cpuMicros = (processCpuNanos() - cpuStart) / 1e3 / n;
    Arrays.sort(micros);
    Arrays.sort(cycles);
    return new Phase(n / seconds, micros[n / 2], micros[(int) (n * 0.99)], cpuMicros, 1e9 / cycles[n / 4]);
  }

  /**
   * CPU time of this process (CLOCK_PROCESS_CPUTIME_ID, scheduler-precise): client, server and the
   * softirq work of veth and loopback, which runs in the sending thread's context.
   */
  private static long processCpuNanos() {
    jnr.ffi.Pointer ts = jnr.ffi.Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(LinuxCalls.LIBC), 16);
    LinuxCalls.LIBC.clock_gettime(LinuxCalls.CLOCK_PROCESS_CPUTIME_ID, ts);
    return ts.getLong(0) * 1_000_000_000L + ts.getLong(8);
  }

  // ---- in-kernel cost ----

  private static void cost(TwoNodes nodes, Route p, int n) throws Exception {
    try (HandshakeDatapath.RunTimeStatistics stats = HandshakeDatapath.enableRunTimeStatistics()) {
      nodes.attached(false);
      nodes.attached(true); // fresh programs: their counts start at zero
      run(p, n);
      double total = 0;
      for (TwoNodes.Node node : List.of(nodes.a, nodes.b)) {
        for (ProgramStats s : node.datapath.programStats()) {
          if (s.runCount() == 0) {
            continue;
          }
          double perConnection = (double) s.runTimeNanos() / n;
          total += perConnection;
          System.out.printf(Locale.ROOT, "| %s | %s | %s | %d | %.1f | %.0f | %.0f |%n", p.name(),
              node == nodes.a ? "A" : "B", s.program(), s.runCount(), (double) s.runCount() / n, s.nanosPerRun(),
              perConnection);
        }
      }
      System.out.printf(Locale.ROOT, "| %s | both | all | | | | **%.0f** |%n", p.name(), total);

      // Established connections: what runs per segment once the handshake is over.
      allowEchoPort(nodes);
      List<ProgramStats> before = programStats(nodes);
      measureEstablished(p);
      List<ProgramStats> after = programStats(nodes);
      for (int i = 0; i < after.size(); i++) {
        ProgramStats a = after.get(i);
        ProgramStats b = before.get(i);
        long runs = a.runCount() - b.runCount();
        long nanos = a.runTimeNanos() - b.runTimeNanos();
        if (runs > 0) {
          System.out.printf(Locale.ROOT, "| %s, established (%d MiB + %d pings) | %s | %s | %d | | %.0f | total %.2f ms |%n",
              p.name(), TRANSFER_BYTES >> 20, PINGS, i < after.size() / 2 ? "A" : "B", a.program(), runs,
              (double) nanos / runs, nanos / 1e6);
        }
      }
    }
  }

  // ---- one check, in isolation ----

  private static final int CHECK_REPEAT = 1_000_000;
  private static final int REFUSED_REPEAT = 10_000;
  private static final int COLD_CHECKS = 2_000;
  private static final int EVICT_BYTES = 4 << 20;

  /**
   * The ingress program alone on the frames of one handshake, without a device or any other part
   * of TCP: what a check costs with its code and maps in the caches (warm) and after other work
   * has evicted them (cold), which is closer to a connection's path.
   */
  private static void checks(TwoNodes nodes) throws Exception {
    PairwiseKeys atA = PairwiseKeys.derive(nodes.a.keys, TwoNodes.NODE_A, nodes.b.keys.publicKey(), TwoNodes.NODE_B,
        TwoNodes.EPOCH);
    int clientPort = 40_000;
    int clientIsn = 0x1234_5678;
    int serverIsn = 0x0abc_def0;
    int ts16 = RawSyn.ts16Now();
    TcpHandshake h = new TcpHandshake(TwoNodes.A4, clientPort, TwoNodes.B4, TwoNodes.PORT, clientIsn, serverIsn);
    Fp1Option syn = new Fp1Option(false, TwoNodes.EPOCH, ts16, TwoNodes.CLIENT, 0);
    syn = syn.withTag(Fp1Tag.syn(atA.tx(), syn, h));
    Fp1Option synAck = new Fp1Option(true, TwoNodes.EPOCH, ts16, TwoNodes.SERVER, 0);
    synAck = synAck.withTag(Fp1Tag.synAck(atA.rx(), synAck, h, TwoNodes.CLIENT));
    byte[] mss = {2, 4, 0x05, (byte) 0xb4};
    byte[] signedSyn = Frames.tcp(TwoNodes.A4, clientPort, TwoNodes.B4, TwoNodes.PORT, clientIsn, 0, Frames.SYN,
        concat(mss, syn.encode()));
    byte[] forgedSyn = signedSyn.clone();
    forgedSyn[forgedSyn.length - 1] ^= 1;
    byte[] unsignedSyn = Frames.tcp(TwoNodes.A4, clientPort, TwoNodes.B4, TwoNodes.PORT, clientIsn, 0, Frames.SYN,
        mss);
    byte[] ack = Frames.tcp(TwoNodes.A4, clientPort, TwoNodes.B4, TwoNodes.PORT, clientIsn + 1, serverIsn + 1,
        Frames.ACK, new byte[0]);
    byte[] signedSynAck = Frames.tcp(TwoNodes.B4, TwoNodes.PORT, TwoNodes.A4, clientPort, serverIsn, clientIsn + 1,
        Frames.SYN | Frames.ACK, concat(mss, synAck.encode()));
    checkRow(nodes.b, "ACK (fast path)", ack, true);
    checkRow(nodes.b, "SYN, FP1 verified, pair allowed", signedSyn, true);
    checkRow(nodes.b, "SYN, forged tag (reported every time)", forgedSyn, false);
    checkRow(nodes.b, "SYN without FP1 (reported every time)", unsignedSyn, false);
    checkRow(nodes.a, "SYN-ACK, FP1 verified, pair allowed", signedSynAck, true);
  }

  private static void checkRow(TwoNodes.Node node, String label, byte[] frame, boolean passes) throws Exception {
    NodeThread thread = node.thread(node.index == TwoNodes.NODE_A ? "client" : "server");
    // Every refusal is an event: fewer runs than the ring buffer holds, so that the warm figure is
    // not the cost of a full one.
    int repeat = passes ? CHECK_REPEAT : REFUSED_REPEAT;
    double[] warm = new double[3];
    for (int i = 0; i < warm.length; i++) {
      HandshakeDatapath.TestRun run = thread.call(() -> node.datapath.testRun(IngressProgram.CGROUP_SKB, frame,
          repeat));
      if (run.passed() != passes) {
        throw new IllegalStateException(label + ": expected " + (passes ? "pass" : "drop") + ", got " + run);
      }
      warm[i] = run.nanosPerRun();
      Thread.sleep(50); // the reader drains the events
    }
    Arrays.sort(warm);
    double[] cold = thread.call(() -> {
      byte[] evict = new byte[EVICT_BYTES];
      double[] ns = new double[COLD_CHECKS];
      for (int i = 0; i < ns.length; i++) {
        Arrays.fill(evict, (byte) i);
        ns[i] = node.datapath.testRun(IngressProgram.CGROUP_SKB, frame, 1).nanosPerRun();
      }
      return ns;
    });
    Arrays.sort(cold);
    node.events.clear();
    System.out.printf(Locale.ROOT, "| %s | %s | %s | %.0f | %.0f |%n", label, node.index == TwoNodes.NODE_A ? "A" : "B",
        passes ? "pass" : "drop", warm[1], cold[cold.length / 2]);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static List<ProgramStats> programStats(TwoNodes nodes) throws Exception {
    List<ProgramStats> all = new ArrayList<>(nodes.a.datapath.programStats());
    all.addAll(nodes.b.datapath.programStats());
    return all;
  }

  // ---- established connections ----

  private static void established(TwoNodes nodes, Route p, int rounds) throws Exception {
    List<double[]> plain = new ArrayList<>();
    List<double[]> synid = new ArrayList<>();
    allowEchoPort(nodes);
    measureEstablished(p); // warm-up
    for (int r = 0; r < rounds; r++) {
      nodes.attached(false);
      plain.add(measureEstablished(p));
      nodes.attached(true);
      allowEchoPort(nodes);
      synid.add(measureEstablished(p));
    }
    double[] tput = ratiosOf(plain, synid, 0);
    double[] rtt = ratiosOf(plain, synid, 1);
    System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %s | %.1f / %.1f | %s |%n", p.name(), medianOf(plain, 0),
        medianOf(synid, 0), ratioCell(tput), medianOf(plain, 1), medianOf(synid, 1), ratioCell(rtt));
  }

  /** The baseline policy plus the echo port for both clients, on both nodes (each checks its end). */
  private static void allowEchoPort(TwoNodes nodes) throws Exception {
    List<VerdictRule> rules = new ArrayList<>();
    for (int client : new int[] {TwoNodes.CLIENT_ID, TwoNodes.LOCAL_ID}) {
      rules.add(new VerdictRule(client, TwoNodes.SERVER_ID, TwoNodes.PORT, true));
      rules.add(new VerdictRule(client, TwoNodes.SERVER_ID, ECHO_PORT, true));
    }
    nodes.a.datapath.setVerdicts(rules);
    nodes.b.datapath.setVerdicts(rules);
  }

  /** {MiB/s of one bulk transfer, p50 of 1-byte round trips in us}. */
  private static double[] measureEstablished(Route p) throws Exception {
    Client.Attempt bulk = Client.connect(p.client(), p.target(), TwoNodes.PORT, 3_000);
    if (!bulk.connected()) {
      throw new IllegalStateException("bulk connection failed: " + bulk.failure());
    }
    double mibPerSecond;
    try (Socket s = bulk.socket()) {
      long t0 = System.nanoTime();
      long got = Client.transfer(s, TRANSFER_BYTES);
      mibPerSecond = (got / (double) (1 << 20)) / ((System.nanoTime() - t0) / 1e9);
    }
    Client.Attempt echo = Client.connect(p.client(), p.target(), ECHO_PORT, 3_000);
    if (!echo.connected()) {
      throw new IllegalStateException("echo connection failed: " + echo.failure());
    }
    long[] rtt = new long[PINGS];
    try (Socket s = echo.socket()) {
      s.setTcpNoDelay(true);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      for (int i = 0; i < PINGS; i++) {
        long t0 = System.nanoTime();
        out.write(1);
        if (in.read() < 0) {
          throw new IllegalStateException("echo server closed");
        }
        rtt[i] = System.nanoTime() - t0;
      }
    }
    Arrays.sort(rtt);
    return new double[] {mibPerSecond, rtt[PINGS / 2] / 1_000.0};
  }

  // ---- SYN loss ----

  private static void cold(TwoNodes nodes, Route p) throws Exception {
    long retrans = 0;
    long denied = 0;
    int connected = 0;
    long[] micros = new long[COLD_TRIALS];
    for (int i = 0; i < COLD_TRIALS; i++) {
      nodes.attached(false);
      nodes.attached(true);
      long before = synRetransmits(p.client());
      long t0 = System.nanoTime();
      Client.Attempt c = Client.connect(p.client(), p.target(), TwoNodes.PORT, 5_000);
      micros[i] = (System.nanoTime() - t0) / 1_000;
      if (c.connected()) {
        connected++;
        c.socket().close();
      }
      retrans += synRetransmits(p.client()) - before;
      denied += nodes.a.datapath.counters().get(Counter.DENIED) + nodes.b.datapath.counters().get(Counter.DENIED);
    }
    Arrays.sort(micros);
    System.out.printf(Locale.ROOT, "| %s | %d / %d | %d | %d | %d / %d |%n", p.name(), connected, COLD_TRIALS, retrans,
        denied, micros[COLD_TRIALS / 2], micros[COLD_TRIALS - 1]);
  }

  /** TcpExt TCPSynRetrans of the namespace {@code thread} lives in. */
  private static long synRetransmits(NodeThread thread) throws Exception {
    return thread.call(() -> io.synid.harness.NetStat.tcpExt(
        Files.readAllLines(Path.of("/proc/thread-self/net/netstat")), "TCPSynRetrans"));
  }


  // ---- verdict updates ----

  private static void verdictLatency(TwoNodes nodes) throws Exception {
    // Every event reported here: the first ALLOW after the update is the decision being timed.
    nodes.reopen(nodes.b, DatapathConfig.failOpen(nodes.b.cgroup).withAllowedEventInterval(Duration.ZERO));
    List<VerdictRule> others = new ArrayList<>();
    for (int i = 0; i < FILLER_RULES; i++) {
      others.add(new VerdictRule(10_000 + i, TwoNodes.SERVER_ID, 1000 + i % 100, true));
    }
    others.add(new VerdictRule(TwoNodes.LOCAL_ID, TwoNodes.SERVER_ID, TwoNodes.PORT, true));
    List<VerdictRule> allowed = new ArrayList<>(others);
    allowed.add(new VerdictRule(TwoNodes.CLIENT_ID, TwoNodes.SERVER_ID, TwoNodes.PORT, true));
    long[] call = new long[VERDICT_TRIALS];
    long[] decided = new long[VERDICT_TRIALS];
    long[] connected = new long[VERDICT_TRIALS];
    NodeThread client = nodes.a.thread("client");
    for (int t = 0; t < VERDICT_TRIALS; t++) {
      nodes.b.datapath.setVerdicts(others);
      nodes.b.events.clear();
      long deniedBefore = nodes.b.datapath.counters().get(Counter.DENIED);
      CompletableFuture<Long> done = CompletableFuture.supplyAsync(() -> {
        try {
          return client.call(() -> connectUntilAllowed(10_000));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      // Wait until the pair is being refused, then allow it.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (nodes.b.datapath.counters().get(Counter.DENIED) == deniedBefore && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      long t0 = System.nanoTime();
      nodes.b.datapath.setVerdicts(allowed);
      call[t] = System.nanoTime() - t0;
      long end = done.get(20, TimeUnit.SECONDS);
      connected[t] = end - t0;
      HandshakeEvent first = nodes.b.awaitEvent(e -> e.kind() == HandshakeEvent.Kind.SYN
          && e.action() == HandshakeEvent.Action.ALLOW && e.peerIdent() == TwoNodes.CLIENT);
      decided[t] = first.timestampNanos() - t0;
    }
    System.out.println("| measure | p50 (ms) | max (ms) |");
    System.out.println("| --- | --- | --- |");
    row("setVerdicts() returns: the kernel map holds the new set", call);
    row("update start -> first SYN of the pair allowed in the kernel (event timestamp)", decided);
    row("update start -> client connected (client retries every 2 ms)", connected);
    nodes.reopen(nodes.b, DatapathConfig.failOpen(nodes.b.cgroup));
  }

  /** Connects with 2 ms attempts until one succeeds; returns System.nanoTime() at success. */
  private static long connectUntilAllowed(int maxAttempts) throws Exception {
    for (int i = 0; i < maxAttempts; i++) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(TwoNodes.B4, TwoNodes.PORT), 2);
        return System.nanoTime();
      } catch (SocketTimeoutException e) {
        // refused by the datapath: try again
      }
    }
    throw new IllegalStateException("never allowed");
  }

  private static void row(String what, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f |%n", what, sorted[sorted.length / 2] / 1e6,
        sorted[sorted.length - 1] / 1e6);
  }

  // ---- statistics ----

  private static String loadAverage() throws Exception {
    return Files.readString(Path.of("/proc/loadavg")).trim();
  }

  private static <T> double median(List<T> phases, ToDoubleFunction<T> f) {
    double[] v = phases.stream().mapToDouble(f).sorted().toArray();
    return v[v.length / 2];
  }

  /** Per-round ratios synid / plain, sorted. */
  private static <T> double[] ratios(List<T> plain, List<T> synid, ToDoubleFunction<T> f) {
    double[] r = new double[plain.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = f.applyAsDouble(synid.get(i)) / f.applyAsDouble(plain.get(i));
    }
    Arrays.sort(r);
    return r;
  }

  private static double[] ratiosOf(List<double[]> plain, List<double[]> synid, int index) {
    return ratios(plain, synid, v -> v[index]);
  }

  private static double medianOf(List<double[]> phases, int index) {
    return median(phases, v -> v[index]);
  }

  private static String ratioCell(double[] sortedRatios) {
    return String.format(Locale.ROOT, "%.3fx (%.2f-%.2f)", sortedRatios[sortedRatios.length / 2], sortedRatios[0],
        sortedRatios[sortedRatios.length - 1]);
  }
}
