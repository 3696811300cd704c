package io.synid.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryResponse;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.server.entry.v1.ListEntriesRequest;
import io.synid.api.spire.server.svid.v1.MintX509SVIDRequest;
import io.synid.api.spire.server.svid.v1.SVIDGrpc;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.Selector;
import io.synid.api.spire.types.SelectorMatch;
import io.synid.bench.Throughput.Result;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.Csr;
import io.synid.core.x509.KeyType;
import io.synid.core.x509.SigningAuthority;
import io.synid.core.x509.X509AuthorityFactory;
import io.synid.core.x509.X509SvidSigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * Identity-server benchmarks; every figure is printed beside its baseline from the same run.
 *
 * <ul>
 *   <li>X509-SVID signing in process (ec-p256, rsa-2048; 1 and 2 threads), against the raw
 *       signature operation with the same key (the floor no CA can beat);
 *   <li>the same signing through the admin API (MintX509SVID), Synid against SPIRE;
 *   <li>entry creation up to N entries (BatchCreateEntry, 50 per call), Synid on SQLite and on
 *       PostgreSQL against SPIRE on SQLite; server memory after it; {@code entry show} by SPIFFE ID
 *       and by selector at N entries.
 * </ul>
 *
 * <p>Arguments: {@code --jar <synid-server.jar> --spire <dir with spire-server> --pg-url <jdbc url>
 * --entries <n> --seconds <per signing run> --out <markdown file> [--only signing|api-signing|entries]}.
 * {@code SYNID_SERVER_JAVA_OPTS} is passed to the Synid server's JVM (for example to profile it).
 */
public final class ServerBenchmark {
  private final Path jar;
  private final Path spireDir;
  private final String pgUrl;
  private final int entries;
  private final int seconds;
  private final Path work;
  private final Report report = new Report();

  private ServerBenchmark(Path jar, Path spireDir, String pgUrl, int entries, int seconds, Path work) {
    this.jar = jar;
    this.spireDir = spireDir;
    this.pgUrl = pgUrl;
    this.entries = entries;
    this.seconds = seconds;
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    Path jar = Path.of("identity-server/target/synid-server.jar");
    Path spire = null;
    String pg = "";
    int entries = 100_000;
    int seconds = 10;
    Path out = null;
    String only = "";
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--jar" -> jar = Path.of(args[i + 1]);
        case "--spire" -> spire = Path.of(args[i + 1]);
        case "--pg-url" -> pg = args[i + 1];
        case "--entries" -> entries = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--out" -> out = Path.of(args[i + 1]);
        case "--only" -> only = args[i + 1];
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (spire == null) {
      throw new IllegalArgumentException("--spire <dir with spire-server> is required: SPIRE is the baseline");
    }
    Path work = Files.createTempDirectory("synid-bench");
    ServerBenchmark bench = new ServerBenchmark(jar, spire, pg, entries, seconds, work);
    bench.run(only);
    bench.report.finish(out);
  }

  private void line(String format, Object... args) {
    report.line(format, args);
  }

  /** Runs every part, or only the one named: {@code signing}, {@code api-signing}, {@code entries}. */
  private void run(String only) throws Exception {
    report.machine();
    if (only.isEmpty() || only.equals("signing")) {
      inProcessSigning();
    }
    if (only.isEmpty() || only.equals("api-signing")) {
      apiSigning();
    }
    if (only.isEmpty() || only.equals("entries")) {
      entryScale();
    }
  }

  // ---- signing in process -------------------------------------------------------------------

  private void inProcessSigning() throws Exception {
    line("### X509-SVID signing in process (%d s per run)", seconds);
    line("");
    line("| key | threads | raw signatures/s | SVIDs/s | SVID p50 ms | SVID p99 ms | SVIDs / raw |");
    line("| --- | --- | --- | --- | --- | --- | --- |");
    TrustDomain td = TrustDomain.parse("example.org");
    SpiffeId id = SpiffeId.parse("spiffe://example.org/bench/workload");
    for (KeyType type : List.of(KeyType.EC_P256, KeyType.RSA_2048)) {
      SigningAuthority ca = X509AuthorityFactory.newSelfSignedAuthority(type, td, Duration.ofDays(1), Instant.now());
      KeyPair leafKey = KeyType.EC_P256.generate();
      byte[] tbs = new byte[400];
      new Random(1).nextBytes(tbs);
      for (int threads : new int[] {1, 2}) {
        Result raw = timed(threads, () -> {
          // The same JCA provider as the SVID signer uses, so the ratio is the CA's own overhead.
          Signature s = io.synid.core.x509.EcdsaProvider.forKey(ca.keyPair().getPrivate())
              .map(p -> {
                try {
                  return Signature.getInstance(type.x509SignatureAlgorithm(), p);
                } catch (java.security.NoSuchAlgorithmException e) {
                  throw new IllegalStateException(e);
                }
              })
              .orElse(Signature.getInstance(type.x509SignatureAlgorithm()));
          s.initSign(ca.keyPair().getPrivate());
          s.update(tbs);
          s.sign();
          return null;
        });
        Result svid = timed(threads, () -> X509SvidSigner.signSvid(ca, leafKey.getPublic(), id, List.of(),
            Duration.ofHours(1), Instant.now()));
        line("| %s | %d | %.0f | %.0f | %.2f | %.2f | %.2fx |", type.configName(), threads, raw.perSecond(),
            svid.perSecond(), svid.latencies().quantileMillis(0.5), svid.latencies().quantileMillis(0.99),
            svid.perSecond() / raw.perSecond());
      }
    }
    line("");
  }

  // ---- signing through the admin API: Synid vs SPIRE -----------------------------------------

  private void apiSigning() throws Exception {
    line("### MintX509SVID through the admin API, same client, Synid vs SPIRE v1.15.3 (%d s per run)", seconds);
    line("");
    line("| CA key | threads | server | SVIDs/s | p50 ms | p99 ms | Synid / SPIRE |");
    line("| --- | --- | --- | --- | --- | --- | --- |");
    for (String keyType : List.of("ec-p256", "rsa-2048")) {
      Result[] synid = new Result[3];
      Result[] spire = new Result[3];
      try (ServerProcess s = ServerProcess.synid("synid", jar, work.resolve("mint-synid-" + keyType), keyType,
          "datastore: {type: sqlite}")) {
        for (int threads : new int[] {1, 2}) {
          synid[threads] = mint(s, threads);
        }
      }
      try (ServerProcess s = ServerProcess.spire("spire", spireDir, work.resolve("mint-spire-" + keyType), keyType)) {
        for (int threads : new int[] {1, 2}) {
          spire[threads] = mint(s, threads);
        }
      }
      for (int threads : new int[] {1, 2}) {
        line("| %s | %d | Synid | %.0f | %.2f | %.2f | %.2fx |", keyType, threads, synid[threads].perSecond(),
            synid[threads].latencies().quantileMillis(0.5), synid[threads].latencies().quantileMillis(0.99),
            synid[threads].perSecond() / spire[threads].perSecond());
        line("| %s | %d | SPIRE | %.0f | %.2f | %.2f | 1.00x |", keyType, threads, spire[threads].perSecond(),
            spire[threads].latencies().quantileMillis(0.5), spire[threads].latencies().quantileMillis(0.99));
      }
    }
    line("");
  }

  private Result mint(ServerProcess server, int threads) throws Exception {
    ManagedChannel channel = server.channel();
    try {
      var stub = SVIDGrpc.newBlockingStub(channel);
      KeyPair key = KeyType.EC_P256.generate();
      ByteString csr = ByteString.copyFrom(Csr.create(key, SpiffeId.parse("spiffe://example.org/bench/w")));
      MintX509SVIDRequest request = MintX509SVIDRequest.newBuilder().setCsr(csr).setTtl(600).build();
      for (int i = 0; i < 200; i++) {
        stub.mintX509SVID(request); // warm-up
      }
      return timed(threads, () -> stub.mintX509SVID(request));
    } finally {
      channel.shutdownNow();
    }
  }

  // ---- entries at scale -------------------------------------------------------------------------

  private void entryScale() throws Exception {
    line("### Registration entries up to %,d: creation, memory, queries", entries);
    line("");
    line("Creation through BatchCreateEntry, 50 entries per call, one client; queries are ListEntries"
        + " with a filter (by SPIFFE ID; by one selector, superset match), 200 random queries each.");
    line("");
    line("| server | create entries/s | time to %,d | server RSS MiB | show by SPIFFE ID p50 / p99 ms | show by selector p50 / p99 ms |", entries);
    line("| --- | --- | --- | --- | --- | --- |");
    List<String[]> rows = new ArrayList<>();
    try (ServerProcess s = ServerProcess.synid("Synid (SQLite)", jar, work.resolve("scale-synid-sqlite"), "ec-p256",
        "datastore: {type: sqlite}")) {
      rows.add(scale(s));
    }
    if (!pgUrl.isEmpty()) {
      String db = createDatabase(pgUrl);
      try (ServerProcess s = ServerProcess.synid("Synid (PostgreSQL)", jar, work.resolve("scale-synid-pg"), "ec-p256",
          "datastore: {type: postgresql, url: '" + db + "', user: synid, password: synid}")) {
        rows.add(scale(s));
      }
    }
    try (ServerProcess s = ServerProcess.spire("SPIRE v1.15.3 (SQLite)", spireDir, work.resolve("scale-spire"), "ec-p256")) {
      rows.add(scale(s));
    }
    for (String[] r : rows) {
      line("| %s |", String.join(" | ", r));
    }
    line("");
  }

  private static String createDatabase(String url) throws Exception {
    String db = "synid_bench_" + System.currentTimeMillis();
    try (var c = java.sql.DriverManager.getConnection(url, "synid", "synid"); var s = c.createStatement()) {
      s.execute("CREATE DATABASE " + db);
    }
    return url.substring(0, url.lastIndexOf('/') + 1) + db;
  }

  private String[] scale(ServerProcess server) throws Exception {
    ManagedChannel channel = server.channel();
    try {
      var stub = EntryGrpc.newBlockingStub(channel);
      long start = System.nanoTime();
      int batch = 50;
      for (int i = 0; i < entries; i += batch) {
        BatchCreateEntryRequest.Builder req = BatchCreateEntryRequest.newBuilder();
        for (int j = i; j < Math.min(entries, i + batch); j++) {
          req.addEntries(entry(j));
        }
        BatchCreateEntryResponse resp = stub.batchCreateEntry(req.build());
        for (var r : resp.getResultsList()) {
          if (r.getStatus().getCode() != 0) {
            throw new IllegalStateException(server.name + ": " + r.getStatus().getMessage());
          }
        }
        if ((i + batch) % 10_000 == 0) {
          System.err.printf(Locale.ROOT, "  %s: %,d entries after %.1f s%n", server.name, i + batch,
              (System.nanoTime() - start) / 1e9);
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.gc();
      long rss = server.rssMib();
      Random random = new Random(42);
      Latencies byId = new Latencies();
      Latencies bySelector = new Latencies();
      for (int q = 0; q < 200; q++) {
        int i = random.nextInt(entries);
        long t0 = System.nanoTime();
        int found = stub.listEntries(ListEntriesRequest.newBuilder().setFilter(ListEntriesRequest.Filter.newBuilder()
            .setBySpiffeId(id("/bench/w" + i))).build()).getEntriesCount();
        byId.add(System.nanoTime() - t0);
        long t1 = System.nanoTime();
        int found2 = stub.listEntries(ListEntriesRequest.newBuilder().setFilter(ListEntriesRequest.Filter.newBuilder()
            .setBySelectors(SelectorMatch.newBuilder().addSelectors(selector(i))
                .setMatch(SelectorMatch.MatchBehavior.MATCH_SUPERSET))).build()).getEntriesCount();
        bySelector.add(System.nanoTime() - t1);
        if (found != 1 || found2 != 1) {
          throw new IllegalStateException(server.name + ": query for entry " + i + " found " + found + "/" + found2);
        }
      }
      return new String[] {server.name, String.format(Locale.ROOT, "%.0f", entries / seconds),
          String.format(Locale.ROOT, "%.1f s", seconds), Long.toString(rss),
          String.format(Locale.ROOT, "%.2f / %.2f", byId.quantileMillis(0.5), byId.quantileMillis(0.99)),
          String.format(Locale.ROOT, "%.2f / %.2f", bySelector.quantileMillis(0.5), bySelector.quantileMillis(0.99))};
    } finally {
      channel.shutdownNow();
    }
  }

  private static SPIFFEID id(String path) {
    return SPIFFEID.newBuilder().setTrustDomain("example.org").setPath(path).build();
  }

  private static Selector selector(int i) {
    return Selector.newBuilder().setType("unix").setValue("uid:" + i).build();
  }

  private static Entry entry(int i) {
    return Entry.newBuilder().setSpiffeId(id("/bench/w" + i)).setParentId(id("/bench/node" + (i % 100)))
        .addSelectors(selector(i)).addSelectors(Selector.newBuilder().setType("unix").setValue("gid:" + (i % 50)))
        .build();
  }

  private Result timed(int threads, Callable<Object> op) throws Exception {
    return Throughput.measure(threads, seconds, op);
  }
}
