package io.synid.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.CreateJoinTokenRequest;
import io.synid.api.spire.server.bundle.v1.BundleGrpc;
import io.synid.api.spire.server.bundle.v1.GetBundleRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryResponse;
import io.synid.api.spire.server.entry.v1.BatchUpdateEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchUpdateEntryResponse;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.EntryMask;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.Selector;
import io.synid.api.workload.SpiffeWorkloadAPIGrpc;
import io.synid.api.workload.X509SVID;
import io.synid.api.workload.X509SVIDRequest;
import io.synid.api.workload.X509SVIDResponse;
import io.synid.core.x509.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Synid's node agent against an unmodified spire-agent v1.15.3, in one run, attested to one Synid
 * identity server (SQLite) with two join tokens and serving the same registrations: for each
 * agent, {@code --entries} entries parented to that agent with the selector
 * {@code unix:uid:<our uid>}, so that this process is entitled to all of them from either agent.
 * Both agents sync with the server every {@code --sync-interval} (spire-agent: {@code experimental
 * { sync_interval }}). Every measurement uses the same client against both agents: gRPC over
 * epoll Unix-domain channels sharing one event loop group, with the {@code workload.spiffe.io}
 * header, calling {@code FetchX509SVID}.
 *
 * <ol>
 *   <li>First response from a new connection: open a channel, call, wait for the first message,
 *       close; {@code --warmup} samples then {@code --samples} samples per agent, the two agents
 *       interleaved sample by sample so that background load hits both alike.
 *   <li>{@code --clients} concurrent streams: open them all at once, time until every one has its
 *       first response, and each client's own first-response time; {@code --rounds} rounds per
 *       agent, alternating which agent goes first.
 *   <li>Rotation: with those streams open, change the X509-SVID TTL of one of the agent's entries
 *       (BatchUpdateEntry), which makes the agent sign a new SVID at its next sync; time from the
 *       update to the first and to the last client holding the new SVID, and the spread between
 *       them (which excludes the wait for the sync); {@code --rotations} per round.
 *   <li>Memory and CPU of each agent process: RSS and threads idle after start-up, with the
 *       clients connected and after they left; CPU seconds while idle and in each phase.
 * </ol>
 *
 * <p>Arguments: {@code --server-jar <synid-server.jar> --agent-jar <synid-agent.jar> --spire <dir
 * with spire-agent> [--entries 10] [--samples 3000] [--warmup 3000] [--clients 1000] [--rounds 3]
 * [--rotations 2] [--sync-interval 5s] [--idle-seconds 30] [--out <markdown file>]}.
 * {@code SYNID_AGENT_JAVA_OPTS} is passed to the Synid agent's JVM.
 */
public final class AgentBenchmark {
  private static final Metadata.Key<String> SECURITY_HEADER =
      Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);
  private static final String TD = "example.org";
  private static final int BASE_TTL = 3600;
  /** The first calls of the warm-up, reported on their own: the agents as they start. */
  private static final int COLD_CALLS = 100;
  /** How long the concurrent clients may wait for their first response. */
  private static final int CLIENT_TIMEOUT_SECONDS = 60;

  private final Path serverJar;
  private final Path agentJar;
  private final Path spireDir;
  private final int entries;
  private final int samples;
  private final int warmup;
  private final int clients;
  private final int rounds;
  private final int rotations;
  private final String syncInterval;
  private final int idleSeconds;
  private final StringBuilder report = new StringBuilder();
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
  private final Metadata headers = new Metadata();
  private ManagedChannel admin;
  private int ttlBump;
  private final java.util.Random random = new java.util.Random(4);

  /** One agent under test with everything measured about it. */
  private static final class Subject {
    final String label;
    final String agentId;
    final List<String> entryIds = new ArrayList<>();
    AgentProcess process;
    double startSeconds;
    long idleRssKib;
    long idleThreads;
    double idleCpu;
    double cpuPhase1;
    double cpuPhase23;
    double cpuTotal;
    double cpuAtReady;
    long loadedRssKib;
    long loadedThreads;
    long afterRssKib;
    final Latencies coldFirstResponse = new Latencies();
    final Latencies warmingFirstResponse = new Latencies();
    final Latencies firstResponse = new Latencies();
    final Latencies perClient = new Latencies();
    final List<Double> allFirstMillis = new ArrayList<>();
    final List<long[]> roundRss = new ArrayList<>();
    final Latencies rotationFirst = new Latencies();
    final Latencies rotationLast = new Latencies();
    final Latencies rotationSpread = new Latencies();
    int clientFailures;
    final List<String> notes = new ArrayList<>();

    Subject(String label, String agentId) {
      this.label = label;
      this.agentId = agentId;
    }
  }

  private AgentBenchmark(Path serverJar, Path agentJar, Path spireDir, int entries, int samples,
      int warmup, int clients, int rounds, int rotations, String syncInterval, int idleSeconds) {
    this.serverJar = serverJar;
    this.agentJar = agentJar;
    this.spireDir = spireDir;
    this.entries = entries;
    this.samples = samples;
    this.warmup = warmup;
    this.clients = clients;
    this.rounds = rounds;
    this.rotations = rotations;
    this.syncInterval = syncInterval;
    this.idleSeconds = idleSeconds;
    headers.put(SECURITY_HEADER, "true");
  }

  public static void main(String[] args) throws Exception {
    Path serverJar = Path.of("identity-server/target/synid-server.jar");
    Path agentJar = Path.of("agent/target/synid-agent.jar");
    Path spire = null;
    Path out = null;
    Map<String, Integer> n = new LinkedHashMap<>(Map.of("--entries", 10, "--samples", 3000,
        "--warmup", 3000, "--clients", 1000, "--rounds", 3, "--rotations", 2, "--idle-seconds", 30));
    String sync = "5s";
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--server-jar" -> serverJar = Path.of(args[i + 1]);
        case "--agent-jar" -> agentJar = Path.of(args[i + 1]);
        case "--spire" -> spire = Path.of(args[i + 1]);
        case "--out" -> out = Path.of(args[i + 1]);
        case "--sync-interval" -> sync = args[i + 1];
        default -> {
          if (!n.containsKey(args[i])) {
            throw new IllegalArgumentException("unknown argument " + args[i]);
          }
          n.put(args[i], Integer.parseInt(args[i + 1]));
        }
      }
    }
    if (spire == null) {
      throw new IllegalArgumentException("--spire <dir with spire-agent> is required: spire-agent is the baseline");
    }
    AgentBenchmark bench = new AgentBenchmark(serverJar, agentJar, spire, n.get("--entries"),
        n.get("--samples"), n.get("--warmup"), n.get("--clients"), n.get("--rounds"),
        n.get("--rotations"), sync, n.get("--idle-seconds"));
    try {
      bench.run();
    } finally {
      bench.group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    System.out.println(bench.report);
    if (out != null) {
      Path parent = out.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(out, bench.report.toString());
    }
    // The servers' admin channels keep non-daemon event loop threads; exec:java would wait on them.
    System.exit(0);
  }

  private void line(String format, Object... args) {
    String s = String.format(Locale.ROOT, format, args);
    report.append(s).append('\n');
    System.err.println(s);
  }

  private static void progress(String format, Object... args) {
    System.err.printf(Locale.ROOT, "  " + format + "%n", args);
  }

  // ---- set-up ---------------------------------------------------------------------------------

  private void run() throws Exception {
    syncMillis(); // rejects a malformed interval before anything starts
    // Unix socket paths are short: keep everything under a short directory in /tmp.
    Path work = Files.createTempDirectory(Path.of("/tmp"), "sab");
    boolean failed = true;
    long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    try (ServerProcess server = ServerProcess.synid("synid-server", serverJar,
        work.resolve("server"), "ec-p256", "datastore: {type: sqlite}")) {
      int agentApiPort = server.agentApiPort;
      admin = server.channel();
      try {
        Path bundle = writeBootstrapBundle(work.resolve("bootstrap.pem"));
        String synidToken = joinToken();
        String spireToken = joinToken();
        Subject synid = new Subject("Synid agent", "/spire/agent/join_token/" + synidToken);
        Subject spire = new Subject("spire-agent v1.15.3", "/spire/agent/join_token/" + spireToken);
        createEntries(synid, "synid", uid);
        createEntries(spire, "spire", uid);

        long t0 = System.nanoTime();
        synid.process = AgentProcess.synid("synid", agentJar, work.resolve("synid"), agentApiPort,
            bundle, synidToken, syncInterval);
        awaitReady(synid);
        synid.startSeconds = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        spire.process = AgentProcess.spire("spire", spireDir, work.resolve("spire"), agentApiPort,
            bundle, spireToken, syncInterval);
        awaitReady(spire);
        spire.startSeconds = (System.nanoTime() - t1) / 1e9;
        List<Subject> subjects = List.of(synid, spire);
        try {
          for (Subject s : subjects) {
            s.cpuAtReady = s.process.cpuSeconds();
          }
          measure(subjects);
          for (Subject s : subjects) {
            s.cpuTotal = s.process.cpuSeconds();
          }
        } finally {
          for (Subject s : subjects) {
            s.process.close();
          }
        }
        print(synid, spire, uid);
        failed = !synid.notes.isEmpty() || !spire.notes.isEmpty();
      } finally {
        admin.shutdownNow();
      }
    }
    // Kept when something failed (the agents' and server's logs are there); removed otherwise.
    if (failed) {
      System.err.println("Logs of the agents and the server kept in " + work);
    } else {
      deleteTree(work);
    }
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private Path writeBootstrapBundle(Path file) throws Exception {
    var bundle = BundleGrpc.newBlockingStub(admin).getBundle(GetBundleRequest.getDefaultInstance());
    List<X509Certificate> roots = new ArrayList<>();
    for (var authority : bundle.getX509AuthoritiesList()) {
      roots.add(Pem.certificateFromDer(authority.getAsn1().toByteArray()));
    }
    Files.writeString(file, Pem.encodeCertificates(roots));
    return file;
  }

  private String joinToken() {
    return AgentGrpc.newBlockingStub(admin).createJoinToken(CreateJoinTokenRequest.newBuilder()
        .setTtl(3600).build()).getValue();
  }

  private static SPIFFEID id(String path) {
    return SPIFFEID.newBuilder().setTrustDomain(TD).setPath(path).build();
  }

  private void createEntries(Subject subject, String label, long uid) {
    BatchCreateEntryRequest.Builder request = BatchCreateEntryRequest.newBuilder();
    for (int i = 0; i < entries; i++) {
      request.addEntries(Entry.newBuilder().setParentId(id(subject.agentId))
          .setSpiffeId(id("/bench/" + label + "/w" + i)).setX509SvidTtl(BASE_TTL)
          .addSelectors(Selector.newBuilder().setType("unix").setValue("uid:" + uid)));
    }
    BatchCreateEntryResponse response = EntryGrpc.newBlockingStub(admin).batchCreateEntry(request.build());
    for (var result : response.getResultsList()) {
      if (result.getStatus().getCode() != 0) {
        throw new IllegalStateException("entry not created: " + result.getStatus().getMessage());
      }
      subject.entryIds.add(result.getEntry().getId());
    }
  }

  /** Waits until the agent serves this process all of its SVIDs. */
  private void awaitReady(Subject s) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    String last = "";
    while (System.nanoTime() < deadline) {
      if (!s.process.alive()) {
        throw new IllegalStateException(s.label + " exited:\n" + s.process.logTail());
      }
      if (Files.exists(s.process.socket)) {
        try {
          X509SVIDResponse r = firstResponse(s.process.socket, 2);
          if (r.getSvidsCount() == entries) {
            progress("%s ready (pid %d)", s.label, s.process.pid());
            return;
          }
          last = r.getSvidsCount() + " SVIDs";
        } catch (Exception e) {
          last = e.toString();
        }
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(s.label + " did not serve " + entries + " SVIDs (last: " + last
        + "):\n" + s.process.logTail());
  }

  // ---- the workload client ----------------------------------------------------------------------

  private ManagedChannel channel(Path socket) {
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext()
        .directExecutor().maxInboundMessageSize(64 * 1024 * 1024)
        .intercept(MetadataUtils.newAttachHeadersInterceptor(headers)).build();
  }

  /** Opens a channel, calls FetchX509SVID, waits for the first message and closes the channel. */
  private X509SVIDResponse firstResponse(Path socket, int timeoutSeconds) throws Exception {
    ManagedChannel channel = channel(socket);
    try {
      CompletableFuture<X509SVIDResponse> first = new CompletableFuture<>();
      SpiffeWorkloadAPIGrpc.newStub(channel).fetchX509SVID(X509SVIDRequest.getDefaultInstance(),
          new StreamObserver<>() {
            @Override
            public void onNext(X509SVIDResponse value) {
              first.complete(value);
            }

            @Override
            public void onError(Throwable t) {
              first.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
              first.completeExceptionally(new IllegalStateException("stream ended without a response"));
            }
          });
      return first.get(timeoutSeconds, TimeUnit.SECONDS);
    } finally {
      channel.shutdownNow();
    }
  }

  /** The X509-SVID rotation being watched for: the new SVID of one entry reaching each client. */
  private record Rotation(String spiffeId, ByteString before, AtomicLongArray at, CountDownLatch done) {
    void check(int client, X509SVIDResponse response, long now) {
      if (at.get(client) != 0) {
        return;
      }
      for (X509SVID svid : response.getSvidsList()) {
        if (svid.getSpiffeId().equals(spiffeId) && !svid.getX509Svid().equals(before)
            && at.compareAndSet(client, 0, now)) {
          done.countDown();
        }
      }
    }
  }

  /** Many concurrent workload clients, each on its own connection with one open stream. */
  private final class Clients implements AutoCloseable {
    final ManagedChannel[] channels;
    final long[] started;
    final AtomicLongArray first;
    final AtomicReferenceArray<X509SVIDResponse> latest;
    final CountDownLatch allFirst;
    final AtomicInteger failures = new AtomicInteger();
    final long openedAt;
    volatile Rotation rotation;
    volatile boolean closing;
    volatile String failure = "";

    Clients(Path socket, int n) {
      channels = new ManagedChannel[n];
      started = new long[n];
      first = new AtomicLongArray(n);
      latest = new AtomicReferenceArray<>(n);
      allFirst = new CountDownLatch(n);
      openedAt = System.nanoTime();
      for (int i = 0; i < n; i++) {
        int client = i;
        started[i] = System.nanoTime();
        channels[i] = channel(socket);
        SpiffeWorkloadAPIGrpc.newStub(channels[i]).fetchX509SVID(X509SVIDRequest.getDefaultInstance(),
            new StreamObserver<>() {
              @Override
              public void onNext(X509SVIDResponse value) {
                long now = System.nanoTime();
                latest.set(client, value);
                if (first.compareAndSet(client, 0, now)) {
                  allFirst.countDown();
                }
                Rotation r = rotation;
                if (r != null) {
                  r.check(client, value, now);
                }
              }

              @Override
              public void onError(Throwable t) {
                ended(t.toString());
              }

              @Override
              public void onCompleted() {
                ended("stream completed");
              }

              private void ended(String why) {
                if (closing) {
                  return;
                }
                failures.incrementAndGet();
                failure = why;
                if (first.compareAndSet(client, 0, -1)) {
                  allFirst.countDown();
                }
                Rotation r = rotation;
                if (r != null && r.at().compareAndSet(client, 0, -1)) {
                  r.done().countDown();
                }
              }
            });
      }
    }

    @Override
    public void close() throws InterruptedException {
      closing = true;
      for (ManagedChannel c : channels) {
        c.shutdownNow();
      }
      for (ManagedChannel c : channels) {
        c.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  // ---- measurements -----------------------------------------------------------------------------

  private void measure(List<Subject> subjects) throws Exception {
    // Idle: let start-up settle (two sync intervals at least), then an idle window.
    Thread.sleep(10_000);
    double[] cpu0 = cpu(subjects);
    progress("idle window of %d s", idleSeconds);
    Thread.sleep(idleSeconds * 1000L);
    double[] cpu1 = cpu(subjects);
    for (int i = 0; i < subjects.size(); i++) {
      Subject s = subjects.get(i);
      s.idleCpu = cpu1[i] - cpu0[i];
      s.idleRssKib = s.process.rssKib();
      s.idleThreads = s.process.threads();
    }

    // 1. First response from a new connection, interleaved.
    progress("first response from a new connection: %d warm-up and %d samples per agent", warmup, samples);
    double[] p1 = cpu(subjects);
    for (int i = 0; i < warmup + samples; i++) {
      for (int k = 0; k < subjects.size(); k++) {
        Subject s = subjects.get((i + k) % subjects.size());
        long start = System.nanoTime();
        X509SVIDResponse r = firstResponse(s.process.socket, 30);
        long took = System.nanoTime() - start;
        if (r.getSvidsCount() != entries) {
          throw new IllegalStateException(s.label + " served " + r.getSvidsCount() + " SVIDs");
        }
        (i < Math.min(COLD_CALLS, warmup) ? s.coldFirstResponse
            : i < warmup ? s.warmingFirstResponse : s.firstResponse).add(took);
      }
    }
    double[] p1end = cpu(subjects);
    for (int i = 0; i < subjects.size(); i++) {
      subjects.get(i).cpuPhase1 = p1end[i] - p1[i];
    }

    // 2 and 3. Concurrent clients and rotation, the agents taking turns.
    for (int round = 0; round < rounds; round++) {
      for (int k = 0; k < subjects.size(); k++) {
        Subject s = subjects.get((round + k) % subjects.size());
        double c0 = s.process.cpuSeconds();
        concurrentRound(s, round);
        s.cpuPhase23 += s.process.cpuSeconds() - c0;
      }
    }
    Thread.sleep(5_000);
    for (Subject s : subjects) {
      s.afterRssKib = s.process.rssKib();
    }
  }

  /** The sync interval in milliseconds ({@code 500ms}, {@code 5s}, {@code 1m}). */
  private long syncMillis() {
    String v = syncInterval.trim();
    if (v.endsWith("ms")) {
      return Long.parseLong(v.substring(0, v.length() - 2));
    }
    long n = Long.parseLong(v.substring(0, v.length() - 1));
    return switch (v.charAt(v.length() - 1)) {
      case 's' -> n * 1000;
      case 'm' -> n * 60_000;
      case 'h' -> n * 3_600_000;
      default -> throw new IllegalArgumentException("sync interval " + v + ": use ms, s, m or h");
    };
  }

  private static double[] cpu(List<Subject> subjects) throws Exception {
    double[] out = new double[subjects.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = subjects.get(i).process.cpuSeconds();
    }
    return out;
  }

  private void concurrentRound(Subject s, int round) throws Exception {
    progress("%s round %d: %d concurrent clients", s.label, round + 1, clients);
    try (Clients c = new Clients(s.process.socket, clients)) {
      c.allFirst.await(CLIENT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      long lastFirst = 0;
      int ok = 0;
      for (int i = 0; i < clients; i++) {
        long at = c.first.get(i);
        if (at > 0) {
          ok++;
          lastFirst = Math.max(lastFirst, at);
          s.perClient.add(at - c.started[i]);
        }
      }
      double all = (lastFirst - c.openedAt) / 1e6;
      if (ok < clients) {
        s.clientFailures += clients - ok;
        String why = c.failures.get() > 0 ? "last error: " + c.failure
            : "no response and no error after " + CLIENT_TIMEOUT_SECONDS + " s";
        s.notes.add(String.format(Locale.ROOT, "round %d: %,d of %,d clients without a first response (%s)",
            round + 1, clients - ok, clients, why));
        progress("%s: %d clients failed (%s)", s.label, clients - ok, why);
        all = Double.NaN;
      }
      s.allFirstMillis.add(all);
      Thread.sleep(2_000);
      long rss = s.process.rssKib();
      long threads = s.process.threads();
      s.roundRss.add(new long[] {rss, threads});
      s.loadedRssKib = Math.max(s.loadedRssKib, rss);
      s.loadedThreads = Math.max(s.loadedThreads, threads);
      progress("%s round %d: all first responses after %.0f ms, RSS %d MiB, %d threads", s.label,
          round + 1, all, rss / 1024, threads);

      for (int r = 0; r < rotations && ok > 0; r++) {
        // A random point in the agent's sync cycle, so that the wait for the sync is sampled evenly.
        Thread.sleep(1_000 + random.nextLong(syncMillis()));
        rotate(s, c);
      }
    }
  }

  private void rotate(Subject s, Clients c) throws Exception {
    String entryId = s.entryIds.get(0);
    X509SVIDResponse current = null;
    for (int i = 0; i < clients && current == null; i++) {
      if (c.first.get(i) > 0) {
        current = c.latest.get(i);
      }
    }
    if (current == null) {
      throw new IllegalStateException(s.label + ": no client to watch");
    }
    X509SVID target = current.getSvids(0);
    for (X509SVID svid : current.getSvidsList()) {
      if (svid.getSpiffeId().endsWith("/w0")) {
        target = svid;
      }
    }
    int alive = 0;
    for (int i = 0; i < clients; i++) {
      if (c.first.get(i) > 0) {
        alive++;
      }
    }
    Rotation rotation = new Rotation(target.getSpiffeId(), target.getX509Svid(),
        new AtomicLongArray(clients), new CountDownLatch(alive));
    for (int i = 0; i < clients; i++) {
      if (c.first.get(i) <= 0) {
        rotation.at().set(i, -1);
      }
    }
    c.rotation = rotation;
    long t0 = System.nanoTime();
    BatchUpdateEntryResponse response = EntryGrpc.newBlockingStub(admin).batchUpdateEntry(
        BatchUpdateEntryRequest.newBuilder()
            .addEntries(Entry.newBuilder().setId(entryId).setX509SvidTtl(BASE_TTL + ++ttlBump))
            .setInputMask(EntryMask.newBuilder().setX509SvidTtl(true)).build());
    if (response.getResults(0).getStatus().getCode() != 0) {
      throw new IllegalStateException("entry not updated: " + response.getResults(0).getStatus().getMessage());
    }
    boolean all = rotation.done().await(120, TimeUnit.SECONDS);
    c.rotation = null;
    if (!all) {
      s.notes.add(String.format(Locale.ROOT, "a rotation did not reach %,d clients within 120 s",
          rotation.done().getCount()));
      return;
    }
    long firstAt = Long.MAX_VALUE;
    long lastAt = 0;
    for (int i = 0; i < clients; i++) {
      long at = rotation.at().get(i);
      if (at > 0) {
        firstAt = Math.min(firstAt, at);
        lastAt = Math.max(lastAt, at);
      }
    }
    s.rotationFirst.add(firstAt - t0);
    s.rotationLast.add(lastAt - t0);
    s.rotationSpread.add(lastAt - firstAt);
    progress("%s rotation: first client %.0f ms, last %.0f ms after the update", s.label,
        (firstAt - t0) / 1e6, (lastAt - t0) / 1e6);
  }

  // ---- report -------------------------------------------------------------------------------------

  private void print(Subject synid, Subject spire, long uid) {
    line("Machine: %d cores, %s, Java %s; load average at the end %s",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name") + " " + System.getProperty("os.version"),
        System.getProperty("java.version"), loadAverage());
    line("Setup: one Synid server (SQLite); both agents attested with join tokens; %d entries per agent"
        + " with selector unix:uid:%d; sync interval %s for both; Synid agent JVM options: %s.",
        entries, uid, syncInterval, System.getenv().getOrDefault("SYNID_AGENT_JAVA_OPTS", "").isBlank()
            ? "JVM defaults" : System.getenv("SYNID_AGENT_JAVA_OPTS"));
    line("Latency ratios are SPIRE / Synid (above 1: Synid faster); memory and CPU ratios are"
        + " Synid / SPIRE (above 1: Synid uses more).");
    line("");

    line("#### First response to FetchX509SVID from a new connection");
    line("");
    line("Calls 1 to %,d are the warm-up (JIT compilation in the Synid agent and in the client), reported"
        + " in two slices; calls %,d to %,d are the measurement.", warmup, warmup + 1, warmup + samples);
    line("");
    line("| agent | calls | p50 ms | p90 ms | p99 ms | max ms |");
    line("| --- | --- | --- | --- | --- | --- |");
    int cold = Math.min(COLD_CALLS, warmup);
    String[] phases = {String.format(Locale.ROOT, "1-%d (warm-up)", cold),
        String.format(Locale.ROOT, "%d-%d (warm-up)", cold + 1, warmup),
        String.format(Locale.ROOT, "%d-%d", warmup + 1, warmup + samples)};
    for (int p = 0; p < phases.length; p++) {
      if ((p == 0 && cold == 0) || (p == 1 && warmup <= cold)) {
        continue;
      }
      for (Subject s : List.of(synid, spire)) {
        Latencies l = slice(s, p);
        line("| %s | %s | %.2f | %.2f | %.2f | %.2f |", s.label, phases[p], l.quantileMillis(0.5),
            l.quantileMillis(0.9), l.quantileMillis(0.99), l.quantileMillis(1.0));
      }
      Latencies a = slice(spire, p);
      Latencies b = slice(synid, p);
      line("| SPIRE / Synid | %s | %.2fx | %.2fx | %.2fx | %.2fx |", phases[p], ratio(a, b, 0.5),
          ratio(a, b, 0.9), ratio(a, b, 0.99), ratio(a, b, 1.0));
    }
    line("");

    line("#### %,d concurrent clients, %d rounds per agent", clients, rounds);
    line("");
    line("Time from opening the first connection until every client has its first response, per round;"
        + " then each client's own first-response time (from opening its connection), all rounds pooled.");
    line("");
    line("| agent | all first responses, per round (ms) | per-client p50 ms | per-client p99 ms | failed clients |");
    line("| --- | --- | --- | --- | --- |");
    for (Subject s : List.of(synid, spire)) {
      line("| %s | %s | %.1f | %.1f | %d |", s.label, join(s.allFirstMillis), s.perClient.quantileMillis(0.5),
          s.perClient.quantileMillis(0.99), s.clientFailures);
    }
    double allFirst = median(spire.allFirstMillis) / median(synid.allFirstMillis);
    // A round counts only when every client got its first response; with none complete there is
    // no ratio to give.
    line("| SPIRE / Synid | %s (median) | %.2fx | %.2fx | |",
        Double.isNaN(allFirst) ? "no complete round" : String.format(Locale.ROOT, "%.2fx", allFirst),
        ratio(spire.perClient, synid.perClient, 0.5), ratio(spire.perClient, synid.perClient, 0.99));
    line("");

    line("#### Rotation reaching %,d open streams (%d rotations with Synid, %d with SPIRE)", clients,
        synid.rotationLast.count(), spire.rotationLast.count());
    line("");
    line("An entry's X509-SVID TTL is changed through BatchUpdateEntry; each client's time is when its"
        + " stream delivers the new SVID of that entry. Each update is made 1 s plus a random part of the"
        + " sync interval after the previous one, so update to first client includes a wait for the"
        + " agent's next sync that is uniform over the interval; the spread (first to last client) does not.");
    line("");
    line("| agent | update to first client p50 / max ms | update to last client p50 / max ms | spread p50 / max ms |");
    line("| --- | --- | --- | --- |");
    for (Subject s : List.of(synid, spire)) {
      line("| %s | %.0f / %.0f | %.0f / %.0f | %.1f / %.1f |", s.label,
          s.rotationFirst.quantileMillis(0.5), s.rotationFirst.quantileMillis(1.0),
          s.rotationLast.quantileMillis(0.5), s.rotationLast.quantileMillis(1.0),
          s.rotationSpread.quantileMillis(0.5), s.rotationSpread.quantileMillis(1.0));
    }
    // The first two columns are mostly where each update fell in the sync cycle: no ratio.
    line("| SPIRE / Synid | (sync phase) | (sync phase) | %.2fx / %.2fx |",
        ratio(spire.rotationSpread, synid.rotationSpread, 0.5), ratio(spire.rotationSpread, synid.rotationSpread, 1.0));
    line("");

    line("#### Agent processes: memory, threads, CPU");
    line("");
    line("RSS is VmRSS of /proc/<pid>/status. Idle: %d s after both agents served their first SVIDs"
        + " plus a %d s idle window (CPU of that window shown). With clients: the largest value 2 s after"
        + " all %,d clients had their first response. After: 5 s after the last round's clients left.",
        10, idleSeconds, clients);
    line("");
    line("| agent | start to first SVID s | RSS idle MiB | RSS with %,d clients MiB | RSS after MiB | threads idle / with clients"
        + " | CPU s idle %d s | CPU s first-response phase | CPU s concurrent + rotation phase | CPU s total |",
        clients, idleSeconds);
    line("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (Subject s : List.of(synid, spire)) {
      line("| %s | %.1f | %d | %d | %d | %d / %d | %.2f | %.2f | %.2f | %.2f |", s.label, s.startSeconds,
          s.idleRssKib / 1024, s.loadedRssKib / 1024, s.afterRssKib / 1024, s.idleThreads, s.loadedThreads,
          s.idleCpu, s.cpuPhase1, s.cpuPhase23, s.cpuTotal);
    }
    line("| Synid / SPIRE | %s | %s | %s | %s | | %s | %s | %s | %s |",
        times(synid.startSeconds, spire.startSeconds),
        times(synid.idleRssKib, spire.idleRssKib), times(synid.loadedRssKib, spire.loadedRssKib),
        times(synid.afterRssKib, spire.afterRssKib), times(synid.idleCpu, spire.idleCpu),
        times(synid.cpuPhase1, spire.cpuPhase1), times(synid.cpuPhase23, spire.cpuPhase23),
        times(synid.cpuTotal, spire.cpuTotal));
    line("");
    line("CPU total is from process start; start-up to first SVID used %.2f s (Synid) and %.2f s (SPIRE).",
        synid.cpuAtReady, spire.cpuAtReady);
    for (Subject s : List.of(synid, spire)) {
      for (String note : s.notes) {
        line("");
        line("**%s**: %s.", s.label, note);
      }
    }
  }

  private static Latencies slice(Subject s, int phase) {
    return switch (phase) {
      case 0 -> s.coldFirstResponse;
      case 1 -> s.warmingFirstResponse;
      default -> s.firstResponse;
    };
  }

  /** {@code a / b} as a ratio, or n/a when b is zero (CPU below the 10 ms clock tick). */
  private static String times(double a, double b) {
    return b == 0 ? "n/a" : String.format(Locale.ROOT, "%.2fx", a / b);
  }

  private static double ratio(Latencies numerator, Latencies denominator, double q) {
    return numerator.quantileMillis(q) / denominator.quantileMillis(q);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>();
    for (double v : values) {
      if (!Double.isNaN(v)) {
        sorted.add(v);
      }
    }
    sorted.sort(null);
    return sorted.isEmpty() ? Double.NaN : sorted.get((sorted.size() - 1) / 2);
  }

  private static String join(List<Double> values) {
    List<String> out = new ArrayList<>();
    for (double v : values) {
      out.add(Double.isNaN(v) ? "incomplete" : String.format(Locale.ROOT, "%.0f", v));
    }
    return String.join(", ", out);
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "unknown";
    }
  }
}
