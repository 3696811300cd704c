package io.synid.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.CreateJoinTokenRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryResponse;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.Selector;
import io.synid.bench.Throughput.Result;
import io.synid.core.x509.Csr;
import io.synid.core.x509.KeyType;
import io.synid.nodeattestor.jointoken.JoinTokenClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent API (SPIRE's {@code agent}, {@code entry}, {@code svid} services on the TLS port),
 * Synid's identity server against SPIRE v1.15.3 in the same run; both on SQLite, ec-p256 CA,
 * the same TTLs ({@link ServerProcess}).
 *
 * <ul>
 *   <li>{@code propagation}: a real spire-agent, join_token attested, with a workload holding a
 *       Workload API {@code FetchX509SVID} stream ({@link X509SvidWatcher}); an entry for the
 *       workload's uid is created through the admin API and the time until the agent pushes its
 *       SVID to the workload is taken, for N entries, one at a time, each after a random pause;
 *   <li>{@code svid}: an attested {@link SimulatedAgent} calls {@code BatchNewX509SVID} for one of
 *       its entries with a fresh CSR, back to back, on 1 and 2 threads over its one connection,
 *       after a warm-up;
 *   <li>{@code fleet}: A agents with E entries each (created beforehand with
 *       {@code BatchCreateEntry}, 50 per call); every agent attests with its own join token and
 *       does a full {@code SyncAuthorizedEntries}, at most C agents at a time, after a warm-up
 *       (C more agents attest, then reconnect and sync in a loop); total time, per-agent
 *       attestation and sync latency, the server's CPU time and peak RSS meanwhile.
 * </ul>
 *
 * <p>Arguments: {@code --jar <synid-server.jar> --spire <dir with spire-server and spire-agent>
 * [--work <dir>] [--agent-template interop/spire/conf/agent.conf.tmpl] [--out <markdown file>]
 * [--only propagation|svid|fleet] [--propagation-entries N] [--sync-interval 1s]
 * [--max-pause-ms 5000] [--seconds S] [--warm-up-seconds S] [--svid-agent-entries N] [--agents A]
 * [--entries-per-agent E] [--concurrency C]}; the defaults are those of the
 * documented run. {@code --work} holds the servers' and agents' files; keep its path short, since
 * spire-agent's Workload API socket lives in it (default: a new directory under /tmp).
 * {@code SYNID_SERVER_JAVA_OPTS} is passed to the Synid server's JVM.
 */
public final class AgentApiBenchmark {
  private static final String TD = ServerProcess.TRUST_DOMAIN;
  private static final String KEY_TYPE = "ec-p256";
  private static final int CREATE_BATCH = 50;

  /** Starts one server under test in a directory of its own. */
  private interface Launcher {
    ServerProcess start(Path dir) throws Exception;
  }

  private record Target(String name, String dir, Launcher launcher) {}

  private final Path spireDir;
  private final Path agentTemplate;
  private final Path work;
  private final Options o;
  private final Target synid;
  private final Target spire;
  private final Report report = new Report();
  private final long uid;

  /** Every tunable, with the defaults of the documented run. */
  private static final class Options {
    int propagationEntries = 100;
    String syncInterval = "1s";
    int maxPauseMillis = 5000;
    int seconds = 10;
    int warmUpSeconds = 90;
    int svidAgentEntries = 100;
    int agents = 1000;
    int entriesPerAgent = 100;
    int concurrency = 50;
  }

  private AgentApiBenchmark(Path jar, Path spireDir, Path agentTemplate, Path work, Options o)
      throws Exception {
    this.spireDir = spireDir;
    this.agentTemplate = agentTemplate;
    this.work = work;
    this.o = o;
    this.synid = new Target("Synid (SQLite)", "synid",
        dir -> ServerProcess.synid("Synid (SQLite)", jar, dir, KEY_TYPE, "datastore: {type: sqlite}"));
    this.spire = new Target("SPIRE v1.15.3 (SQLite)", "spire",
        dir -> ServerProcess.spire("SPIRE v1.15.3 (SQLite)", spireDir, dir, KEY_TYPE));
    // The unix workload attestor names this process's uid; the propagation entries select it.
    this.uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
  }

  public static void main(String[] args) throws Exception {
    Path jar = Path.of("identity-server/target/synid-server.jar");
    Path spire = null;
    Path template = Path.of("interop/spire/conf/agent.conf.tmpl");
    Path work = null;
    Path out = null;
    String only = "";
    Options o = new Options();
    for (int i = 0; i < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--jar" -> jar = Path.of(v);
        case "--spire" -> spire = Path.of(v);
        case "--agent-template" -> template = Path.of(v);
        case "--work" -> work = Path.of(v);
        case "--out" -> out = Path.of(v);
        case "--only" -> only = v;
        case "--propagation-entries" -> o.propagationEntries = Integer.parseInt(v);
        case "--sync-interval" -> o.syncInterval = v;
        case "--max-pause-ms" -> o.maxPauseMillis = Integer.parseInt(v);
        case "--seconds" -> o.seconds = Integer.parseInt(v);
        case "--warm-up-seconds" -> o.warmUpSeconds = Integer.parseInt(v);
        case "--svid-agent-entries" -> o.svidAgentEntries = Integer.parseInt(v);
        case "--agents" -> o.agents = Integer.parseInt(v);
        case "--entries-per-agent" -> o.entriesPerAgent = Integer.parseInt(v);
        case "--concurrency" -> o.concurrency = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (spire == null) {
      throw new IllegalArgumentException(
          "--spire <dir with spire-server and spire-agent> is required: SPIRE is the baseline");
    }
    if (work == null) {
      work = Files.createTempDirectory(Path.of("/tmp"), "synid-bench-agent");
    }
    AgentApiBenchmark bench = new AgentApiBenchmark(jar, spire, template, work, o);
    bench.run(only);
    bench.report.finish(out);
    // Netty and gRPC leave non-daemon threads behind; the run is over.
    System.exit(0);
  }

  private void line(String format, Object... args) {
    report.line(format, args);
  }

  /** Runs every part, or only the one named: {@code propagation}, {@code svid}, {@code fleet}. */
  private void run(String only) throws Exception {
    report.machine();
    line("Both servers: SQLite datastore, ec-p256 CA, CA TTL 24h, X509-SVID and agent SVID TTL 1h;"
        + " SPIRE's per-IP attestation and signing rate limits off (every simulated agent is 127.0.0.1).");
    line("");
    if (only.isEmpty() || only.equals("propagation")) {
      propagation();
    }
    if (only.isEmpty() || only.equals("svid")) {
      svidIssuance();
    }
    if (only.isEmpty() || only.equals("fleet")) {
      fleet();
    }
    line("At the end: %s.", Report.loadAverage());
  }

  // ---- 1. entry propagation through a real spire-agent ------------------------------------------

  private void propagation() throws Exception {
    line("### Entry propagation to a real spire-agent v1.15.3 (sync_interval %s), %d entries per server",
        o.syncInterval, o.propagationEntries);
    line("");
    line("At the start: %s.", Report.loadAverage());
    line("");
    line("From the BatchCreateEntry call (admin API) to the Workload API stream update carrying the new"
        + " SVID; a random pause of 0-%d ms before each entry.", o.maxPauseMillis);
    line("");
    line("| server | p50 ms | p99 ms | min ms | max ms | Synid / this (p50) |");
    line("| --- | --- | --- | --- | --- | --- |");
    List<Target> targets = List.of(synid, spire, new Target("SPIRE v1.15.3 (SQLite), cache_reload_interval 1s",
        "spire-reload1s", dir -> ServerProcess.spire("SPIRE v1.15.3, cache_reload_interval 1s", spireDir, dir,
            KEY_TYPE, List.of("cache_reload_interval = \"1s\""))));
    List<Latencies> results = new ArrayList<>();
    for (Target t : targets) {
      results.add(propagation(t));
    }
    for (int i = 0; i < targets.size(); i++) {
      Latencies l = results.get(i);
      line("| %s | %.0f | %.0f | %.0f | %.0f | %s |", targets.get(i).name(), l.quantileMillis(0.5),
          l.quantileMillis(0.99), l.quantileMillis(0), l.quantileMillis(1),
          i == 0 ? "" : String.format(Locale.ROOT, "%.2fx",
              results.get(0).quantileMillis(0.5) / l.quantileMillis(0.5)));
    }
    line("");
  }

  private Latencies propagation(Target target) throws Exception {
    Path dir = work.resolve("propagation-" + target.dir());
    try (ServerProcess server = target.launcher().start(dir.resolve("server"))) {
      ManagedChannel admin = server.channel();
      try {
        String token = createJoinToken(admin);
        SPIFFEID agentId = agentId(token);
        try (SpireAgentProcess agent = SpireAgentProcess.start(spireDir, agentTemplate, dir.resolve("agent"),
                server.agentApiPort, server.x509Authorities(), token, o.syncInterval);
            X509SvidWatcher workload = new X509SvidWatcher(agent.socket)) {
          // The first SVID also proves the whole path works; spire-agent may still be starting.
          createEntries(admin, List.of(workloadEntry("/propagation/warm-up", agentId)));
          workload.awaitFirstSeen(idString("/propagation/warm-up"), Duration.ofSeconds(120));
          Random random = new Random(7);
          Latencies latencies = new Latencies();
          for (int i = 0; i < o.propagationEntries; i++) {
            // A random phase against the agent's sync timer and SPIRE's entry-cache reload timer;
            // without it each entry would be created just after a sync and wait a full interval.
            Thread.sleep(random.nextInt(o.maxPauseMillis + 1));
            agent.checkAlive();
            String path = "/propagation/e" + i;
            long t0 = System.nanoTime();
            createEntries(admin, List.of(workloadEntry(path, agentId)));
            latencies.add(workload.awaitFirstSeen(idString(path), Duration.ofSeconds(60)) - t0);
          }
          System.err.printf(Locale.ROOT, "  %s: propagation p50 %.0f ms%n", target.name(),
              latencies.quantileMillis(0.5));
          return latencies;
        }
      } finally {
        admin.shutdownNow();
      }
    }
  }

  private Entry workloadEntry(String path, SPIFFEID parent) {
    return Entry.newBuilder().setSpiffeId(id(path)).setParentId(parent)
        .addSelectors(Selector.newBuilder().setType("unix").setValue("uid:" + uid)).build();
  }

  // ---- 2. SVID issuance round trip ------------------------------------------------------------

  private void svidIssuance() throws Exception {
    line("### BatchNewX509SVID over the agent's mTLS connection, one entry per call (%d s per run)", o.seconds);
    line("");
    line("At the start: %s.", Report.loadAverage());
    line("");
    line("A Java agent attested with a join token, authorized for %d entries; each call asks for one"
        + " of them with a CSR from a pool of 1,000 distinct P-256 keys made beforehand. %d s of"
        + " unmeasured calls first, then per thread count a fifth of the run time unmeasured; server CPU"
        + " per SVID is the server process's CPU time over the measured run divided by its SVIDs.",
        o.svidAgentEntries, o.warmUpSeconds);
    line("");
    line("| threads | server | SVIDs/s | p50 ms | p99 ms | server CPU ms / SVID | Synid / SPIRE (SVIDs/s) |");
    line("| --- | --- | --- | --- | --- | --- | --- |");
    int[] threads = {1, 2};
    SvidRun[] synidRuns = svidIssuance(synid, threads);
    SvidRun[] spireRuns = svidIssuance(spire, threads);
    for (int i = 0; i < threads.length; i++) {
      svidRow(threads[i], "Synid", synidRuns[i], synidRuns[i].result().perSecond() / spireRuns[i].result().perSecond());
      svidRow(threads[i], "SPIRE", spireRuns[i], 1);
    }
    line("");
  }

  /** One measured run and the server CPU time it took per SVID. */
  private record SvidRun(Result result, double cpuMillisPerSvid) {}

  private void svidRow(int threads, String server, SvidRun run, double ratio) {
    Latencies l = run.result().latencies();
    line("| %d | %s | %.0f | %.2f | %.2f | %.2f | %.2fx |", threads, server, run.result().perSecond(),
        l.quantileMillis(0.5), l.quantileMillis(0.99), run.cpuMillisPerSvid(), ratio);
  }

  private SvidRun[] svidIssuance(Target target, int[] threads) throws Exception {
    try (ServerProcess server = target.launcher().start(work.resolve("svid-" + target.dir()))) {
      ManagedChannel admin = server.channel();
      try {
        String token = createJoinToken(admin);
        List<Entry> entries = new ArrayList<>();
        for (int j = 0; j < o.svidAgentEntries; j++) {
          entries.add(fleetEntry("/svid/w" + j, agentId(token), j));
        }
        for (int from = 0; from < entries.size(); from += CREATE_BATCH) {
          createEntries(admin, entries.subList(from, Math.min(entries.size(), from + CREATE_BATCH)));
        }
        ByteString[] csrs = new ByteString[1000];
        for (int i = 0; i < csrs.length; i++) {
          csrs[i] = ByteString.copyFrom(Csr.create(KeyType.EC_P256.generate()));
        }
        KeyPair key = KeyType.EC_P256.generate();
        try (AgentApiEndpoint endpoint = new AgentApiEndpoint(server.agentApiPort, TD, server.x509Authorities(), 2);
            SimulatedAgent agent = SimulatedAgent.attest(endpoint, new JoinTokenClient(token), key, Csr.create(key))) {
          List<String> ids = awaitAuthorized(agent, o.svidAgentEntries).stream().map(Entry::getId).toList();
          AtomicLong next = new AtomicLong();
          Callable<Object> op = () -> {
            int n = (int) (next.getAndIncrement() % Integer.MAX_VALUE);
            return agent.newX509Svid(ids.get(n % ids.size()), csrs[n % csrs.length]);
          };
          // A fresh JVM compiles for tens of seconds; a few seconds of warm-up would charge that
          // compilation (the C2 threads' CPU) to Synid's measured run.
          Throughput.runFor(2, o.warmUpSeconds, op);
          SvidRun[] runs = new SvidRun[threads.length];
          for (int i = 0; i < threads.length; i++) {
            Throughput.warmUp(threads[i], o.seconds, op);
            double cpu0 = server.cpuSeconds();
            Result r = Throughput.runFor(threads[i], o.seconds, op);
            runs[i] = new SvidRun(r, (server.cpuSeconds() - cpu0) * 1000 / r.operations());
          }
          return runs;
        }
      } finally {
        admin.shutdownNow();
      }
    }
  }

  /**
   * Syncs until the agent sees {@code expected} entries. SPIRE answers agents from an entry cache
   * it reloads every 5 seconds by default, so entries created just before are not there at once.
   */
  private static List<Entry> awaitAuthorized(SimulatedAgent agent, int expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      List<Entry> entries = agent.syncAuthorizedEntries();
      if (entries.size() == expected) {
        return entries;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            agent.id + " is authorized for " + entries.size() + " entries, not " + expected);
      }
      Thread.sleep(250);
    }
  }

  // ---- 3. simulated fleet ----------------------------------------------------------------------

  /** One server's fleet figures. */
  private record Fleet(double createSeconds, double seconds, Latencies attest, Latencies sync,
      double cpuSeconds, long rssBefore, long peakRss, int incomplete) {}

  private void fleet() throws Exception {
    line("### Simulated fleet: %,d agents x %,d entries, at most %d agents at a time", o.agents,
        o.entriesPerAgent, o.concurrency);
    line("");
    line("At the start: %s.", Report.loadAverage());
    line("");
    line("Each agent: TLS connection, AttestAgent (join_token), then a new mTLS connection with its"
        + " SVID and a full SyncAuthorizedEntries (spire-agent's mask and paging protocol). The %,d entries"
        + " were created through the admin API (BatchCreateEntry, %d per call) before, with %,d more for"
        + " the warm-up: %d other agents attest, then reconnect and sync in a loop for %d s, unmeasured."
        + " CPU and peak RSS of the server cover the measured attest-and-sync phase only.",
        o.agents * o.entriesPerAgent, CREATE_BATCH, o.concurrency * o.entriesPerAgent, o.concurrency,
        o.warmUpSeconds);
    line("");
    Fleet a = fleet(synid);
    Fleet b = fleet(spire);
    line("| server | entry creation s | fleet s | agents/s | attest p50 / p99 ms | sync p50 / p99 ms"
        + " | server CPU s | RSS before MiB | peak RSS MiB | incomplete syncs |");
    line("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    fleetRow(synid.name(), a);
    fleetRow(spire.name(), b);
    line("");
    line("Synid / SPIRE: fleet time %.2fx, server CPU %.2fx, peak RSS %.2fx, sync p50 %.2fx.",
        a.seconds() / b.seconds(), a.cpuSeconds() / b.cpuSeconds(), (double) a.peakRss() / b.peakRss(),
        a.sync().quantileMillis(0.5) / b.sync().quantileMillis(0.5));
    line("");
  }

  private void fleetRow(String name, Fleet f) {
    line("| %s | %.1f | %.1f | %.0f | %.1f / %.1f | %.1f / %.1f | %.1f | %d | %d | %d |", name, f.createSeconds(),
        f.seconds(), o.agents / f.seconds(), f.attest().quantileMillis(0.5), f.attest().quantileMillis(0.99),
        f.sync().quantileMillis(0.5), f.sync().quantileMillis(0.99), f.cpuSeconds(), f.rssBefore(), f.peakRss(),
        f.incomplete());
  }

  private Fleet fleet(Target target) throws Exception {
    try (ServerProcess server = target.launcher().start(work.resolve("fleet-" + target.dir()))) {
      ManagedChannel admin = server.channel();
      Cohort fleet;
      Cohort warmUp;
      try {
        fleet = createCohort(admin, target.name(), "fleet", o.agents, o.entriesPerAgent);
        warmUp = createCohort(admin, target.name(), "warm-up", o.concurrency, o.entriesPerAgent);
      } finally {
        admin.shutdownNow();
      }
      // Twice SPIRE's default entry-cache reload interval, so that both serve every entry.
      Thread.sleep(10_000);
      try (AgentApiEndpoint endpoint = new AgentApiEndpoint(server.agentApiPort, TD, server.x509Authorities(), 2)) {
        // Unmeasured: the JIT of this client (whose first run would otherwise be slower than its
        // second) and of Synid's server, which compiles for a minute or more; Go code needs none.
        warmUp(endpoint, warmUp);
        double cpu0 = server.cpuSeconds();
        long rssBefore = server.rssMib();
        server.resetPeakRss();
        CohortRun r = run(endpoint, fleet);
        Fleet result = new Fleet(fleet.entrySeconds(), r.seconds(), r.attest(), r.sync(), server.cpuSeconds() - cpu0,
            rssBefore, server.peakRssMib(), r.incomplete());
        System.err.printf(Locale.ROOT, "  %s: fleet in %.1f s%n", target.name(), r.seconds());
        return result;
      }
    }
  }

  /**
   * Agents that exist on a server (a join token each) with their entries, keys and CSRs, and the
   * time their entries took to create.
   */
  private record Cohort(List<String> tokens, int entriesPerAgent, KeyPair[] keys, byte[][] csrs,
      double entrySeconds) {}

  /** What running a cohort measured. */
  private record CohortRun(double seconds, Latencies attest, Latencies sync, int incomplete) {}

  /**
   * Creates {@code agents} join tokens, then {@code entriesPerAgent} entries under each token's
   * agent ID (BatchCreateEntry, {@value #CREATE_BATCH} per call), then the agents' keys and CSRs,
   * so that no client work is left for the measured phase.
   */
  private static Cohort createCohort(ManagedChannel admin, String server, String name, int agents,
      int entriesPerAgent) throws Exception {
    List<String> tokens = new ArrayList<>();
    for (int a = 0; a < agents; a++) {
      tokens.add(createJoinToken(admin));
    }
    long start = System.nanoTime();
    List<Entry> batch = new ArrayList<>();
    for (int a = 0; a < agents; a++) {
      for (int j = 0; j < entriesPerAgent; j++) {
        batch.add(fleetEntry("/" + name + "/a" + a + "/w" + j, agentId(tokens.get(a)), j));
        if (batch.size() == CREATE_BATCH) {
          createEntries(admin, batch);
          batch.clear();
        }
      }
      if ((a + 1) % 100 == 0) {
        System.err.printf(Locale.ROOT, "  %s: %s entries of %,d agents created after %.1f s%n", server, name,
            a + 1, (System.nanoTime() - start) / 1e9);
      }
    }
    createEntries(admin, batch);
    double entrySeconds = (System.nanoTime() - start) / 1e9;
    KeyPair[] keys = new KeyPair[agents];
    byte[][] csrs = new byte[agents][];
    for (int a = 0; a < agents; a++) {
      keys[a] = KeyType.EC_P256.generate();
      csrs[a] = Csr.create(keys[a]);
    }
    return new Cohort(tokens, entriesPerAgent, keys, csrs, entrySeconds);
  }

  /**
   * Every agent of the cohort attests, then syncs over a new connection of its own, again and
   * again, until {@code --warm-up-seconds} have passed; all agents at once.
   */
  private void warmUp(AgentApiEndpoint endpoint, Cohort cohort) throws Exception {
    int agents = cohort.tokens().size();
    ExecutorService pool = Executors.newFixedThreadPool(agents);
    try {
      long end = System.nanoTime() + o.warmUpSeconds * 1_000_000_000L;
      List<Future<?>> futures = new ArrayList<>();
      for (int a = 0; a < agents; a++) {
        int n = a;
        futures.add(pool.submit(() -> {
          try (SimulatedAgent agent = SimulatedAgent.attest(endpoint, new JoinTokenClient(cohort.tokens().get(n)),
              cohort.keys()[n], cohort.csrs()[n])) {
            while (System.nanoTime() < end) {
              try (SimulatedAgent again = agent.newConnection()) {
                again.syncAuthorizedEntries();
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Every agent of the cohort attests and syncs once, at most {@code --concurrency} at a time. */
  private CohortRun run(AgentApiEndpoint endpoint, Cohort cohort) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(o.concurrency);
    try {
      long start = System.nanoTime();
      List<Future<long[]>> futures = new ArrayList<>();
      for (int a = 0; a < cohort.tokens().size(); a++) {
        int n = a;
        futures.add(pool.submit(() -> {
          long t0 = System.nanoTime();
          try (SimulatedAgent agent = SimulatedAgent.attest(endpoint, new JoinTokenClient(cohort.tokens().get(n)),
              cohort.keys()[n], cohort.csrs()[n])) {
            long t1 = System.nanoTime();
            int synced = agent.syncAuthorizedEntries().size();
            long t2 = System.nanoTime();
            return new long[] {t1 - t0, t2 - t1, synced};
          }
        }));
      }
      Latencies attest = new Latencies();
      Latencies sync = new Latencies();
      int incomplete = 0;
      for (Future<long[]> f : futures) {
        long[] r = f.get();
        attest.add(r[0]);
        sync.add(r[1]);
        if (r[2] != cohort.entriesPerAgent()) {
          incomplete++;
        }
      }
      return new CohortRun((System.nanoTime() - start) / 1e9, attest, sync, incomplete);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Entry fleetEntry(String path, SPIFFEID parent, int j) {
    return Entry.newBuilder().setSpiffeId(id(path)).setParentId(parent)
        .addSelectors(Selector.newBuilder().setType("unix").setValue("uid:" + (10_000 + j))).build();
  }

  // ---- admin API --------------------------------------------------------------------------------

  private static String createJoinToken(ManagedChannel admin) {
    // A day: SPIRE needs minutes to create 100,000 entries between token and attestation.
    return AgentGrpc.newBlockingStub(admin)
        .createJoinToken(CreateJoinTokenRequest.newBuilder().setTtl(86_400).build()).getValue();
  }

  /** Creates the entries in one call; fails on the first refused one. */
  private static void createEntries(ManagedChannel admin, List<Entry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    BatchCreateEntryResponse response = EntryGrpc.newBlockingStub(admin)
        .batchCreateEntry(BatchCreateEntryRequest.newBuilder().addAllEntries(entries).build());
    for (var r : response.getResultsList()) {
      if (r.getStatus().getCode() != 0) {
        throw new IllegalStateException("BatchCreateEntry: " + r.getStatus().getMessage());
      }
    }
  }

  private static SPIFFEID agentId(String token) {
    return id("/spire/agent/join_token/" + token);
  }

  private static SPIFFEID id(String path) {
    return SPIFFEID.newBuilder().setTrustDomain(TD).setPath(path).build();
  }

  private static String idString(String path) {
    return "spiffe://" + TD + path;
  }
}
