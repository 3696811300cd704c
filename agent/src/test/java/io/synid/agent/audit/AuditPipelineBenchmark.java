package io.synid.agent.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.synid.api.audit.AuditLog;
import io.synid.api.node.v1.ForwardAuditRequest;
import io.synid.api.node.v1.ForwardAuditResponse;
import io.synid.api.node.v1.NodeGrpc;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent audit pipeline at a sustained rate of connection decisions with all three sinks on:
 * the JSON Lines file, syslog to a real rsyslogd on loopback, and the server over gRPC
 * (ForwardAudit on loopback to a counting server in this JVM). Baseline in the same run: the same
 * records written with the plain {@link AuditLog} (one file, no spool, no sinks).
 *
 * <p>Measures, at the target rate: the rate achieved, the time {@code record()} takes, CPU per
 * record, each sink's end-to-end lag (from {@code record()} to delivered, sampled every
 * millisecond), and counts every record in and out of every sink (zero loss, zero duplicates
 * expected). Then both writers flat out. Prints a Markdown report.
 *
 * <p>{@code scripts/bench-agent-audit.sh [--rate N] [--seconds S] [--producers P]}
 */
public final class AuditPipelineBenchmark {
  private static final Pattern SD_SEQ = Pattern.compile("seq=\\\\\"(\\d+)\\\\\"");

  private final int rate;
  private final int seconds;
  private final int producers;
  private final Duration syncInterval;
  private final Path work;
  private final StringBuilder report = new StringBuilder();

  private AuditPipelineBenchmark(int rate, int seconds, int producers, Duration syncInterval,
      Path work) {
    this.rate = rate;
    this.seconds = seconds;
    this.producers = producers;
    this.syncInterval = syncInterval;
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    int rate = 20_000;
    int seconds = 30;
    int producers = 2;
    Duration sync = Duration.ofMillis(50);
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--producers" -> producers = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--sync-interval-ms" -> sync = Duration.ofMillis(Long.parseLong(args[++i]));
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Logger.getLogger("io.synid").setLevel(Level.WARNING);
    Logger.getLogger("io.grpc").setLevel(Level.WARNING);
    Path work = Files.createTempDirectory("synid-audit-bench");
    AuditPipelineBenchmark b = new AuditPipelineBenchmark(rate, seconds, producers, sync, work);
    try {
      b.run();
    } finally {
      deleteTree(work);
    }
    System.out.println(b.report);
    if (out != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, b.report);
    }
  }

  /** A connection decision as the datapath will report it (about 500 bytes of JSON). */
  private static void fill(ObjectNode r, long n) {
    r.put("direction", n % 2 == 0 ? "inbound" : "outbound");
    ObjectNode src = r.putObject("src");
    src.put("ip", "10.1." + (n >> 8 & 255) + "." + (n & 255));
    src.put("port", 32768 + (int) (n % 28000));
    src.put("spiffe_id", "spiffe://prod.example/svc/orders");
    ObjectNode sp = src.putObject("process");
    sp.put("pid", 4000 + n % 300);
    sp.put("exe", "/usr/local/bin/orders-api");
    sp.put("uid", 1001);
    ObjectNode dst = r.putObject("dst");
    dst.put("ip", "10.2.0.17");
    dst.put("port", 5432);
    dst.put("spiffe_id", "spiffe://prod.example/db/orders");
    ObjectNode dp = dst.putObject("process");
    dp.put("pid", 812);
    dp.put("exe", "/usr/lib/postgresql/15/bin/postgres");
    dp.put("uid", 105);
    boolean denied = n % 50 == 0;
    r.put("verdict", denied ? "denied" : "allowed");
    r.put("reason", denied ? "default-deny" : "policy:orders-db-ingress#0");
    r.put("mode", "enforce");
    r.put("policy_version", 42);
  }

  private void run() throws Exception {
    line("## Agent audit pipeline (issue 6)");
    line("");
    line(String.format(Locale.ROOT, "Target %,d records/s for %d s from %d producer threads"
        + " (after %d s of warm-up), records of about 500 bytes (a connection decision as in"
        + " ARCHITECTURE.md, 1 in 50 denied). Spool group commit every %d ms (the default is"
        + " 50).", rate, seconds, producers, warmupSeconds(), syncInterval.toMillis()));
    line("");

    // Baseline: the plain AuditLog, same records, same rate, same producers.
    Path baseFile = work.resolve("baseline").resolve("audit.jsonl");
    Result base;
    try (AuditLog log = AuditLog.open(baseFile, Clock.systemUTC())) {
      Consumer<Long> write = n -> {
        ObjectNode r = log.newRecord("connection");
        r.put("node", "spiffe://prod.example/spire/agent/x509pop/bench");
        fill(r, n);
        log.record(r);
      };
      paced(write, rate, warmupSeconds(), 0, null);
      base = paced(write, rate, seconds, 1_000_000_000L, null);
    }
    long baseLines = countLines(baseFile);

    // The pipeline with three sinks.
    CountingServer counting = new CountingServer();
    Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(counting).build().start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.getPort())
        .usePlaintext().build();
    Rsyslog rsyslog = Rsyslog.start(work.resolve("rsyslog"));
    Path file = work.resolve("agent").resolve("audit.jsonl");
    Result pipe;
    Lag lag;
    long last;
    long rsyslogCpuBefore = rsyslogCpu(rsyslog);
    long rsyslogCpu;
    int capacity = rate * (seconds + warmupSeconds() + 5) + 1_000_000;
    long[] producedAt = new long[capacity];
    try (AuditPipeline p = AuditPipeline.builder(work.resolve("agent").resolve("audit-spool"))
        .syncInterval(syncInterval)
        .node(() -> "spiffe://prod.example/spire/agent/x509pop/bench")
        .output(new JsonLinesFileOutput(file, 100L << 20, 1000))
        .output(new SyslogOutput("127.0.0.1", rsyslog.port, 10, 8192, "bench-node",
            ProcessHandle.current().pid(), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(1)))
        .output(new ServerOutput(new GrpcAuditForwarder(() -> channel, Duration.ofSeconds(30))))
        .open()) {
      Consumer<Long> write = n -> {
        ObjectNode r = p.newRecord("connection");
        fill(r, n);
        long t = System.nanoTime();
        long seq = p.append(r);
        producedAt[(int) seq] = t;
      };
      paced(write, rate, warmupSeconds(), 0, null);
      long firstMeasured = p.lastSequence() + 1;
      lag = new Lag(p, producedAt, firstMeasured);
      lag.start();
      rsyslogCpuBefore = rsyslogCpu(rsyslog);
      pipe = paced(write, rate, seconds, 2_000_000_000L, null);
      last = p.lastSequence();
      long stop = System.nanoTime();
      lag.lastSeq = last;
      p.awaitDelivered(last, Duration.ofMinutes(5));
      lag.stop(last);
      for (int i = 0; i < Lag.SINKS.length; i++) {
        lag.drained[i] = Math.max(0, lag.drained[i] - stop); // 0: caught up as they stopped
      }
      rsyslogCpu = rsyslogCpu(rsyslog) - rsyslogCpuBefore;
    }
    // Let rsyslog write out what it received, then count everything in and out.
    long rsyslogDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Count syslogCount;
    do {
      Thread.sleep(200);
      syslogCount = countSyslog(rsyslog.output, last);
    } while (syslogCount.distinct < last && System.nanoTime() < rsyslogDeadline);
    Count fileCount = countFile(file, last);
    rsyslog.close();
    channel.shutdownNow();
    grpc.shutdownNow();

    line("### Sustained rate, all sinks on");
    line("");
    line("| writer | records/s achieved | `record()` p50 / p99 / max µs | agent CPU µs/record |"
        + " rsyslogd CPU µs/record |");
    line("| --- | --- | --- | --- | --- |");
    line(String.format(Locale.ROOT, "| plain AuditLog (baseline), one file | %,.0f | %s | %.1f |"
        + " - |", base.rate(), base.latency(), base.cpuPerRecordMicros()));
    line(String.format(Locale.ROOT, "| pipeline: spool + file + syslog + server | %,.0f | %s |"
        + " %.1f | %.1f |", pipe.rate(), pipe.latency(), pipe.cpuPerRecordMicros(),
        rsyslogCpu / 1000.0 / pipe.records));
    line("");
    line("End-to-end lag, from `record()` to delivered by the sink (file: written; syslog:"
        + " accepted by the kernel's TCP send buffer; server: ForwardAudit acknowledged), every"
        + " measured record, sampled each millisecond; the spool's group commit ("
        + syncInterval.toMillis() + " ms) is included:");
    line("");
    line("| sink | p50 ms | p99 ms | p99.9 ms | max ms | drain after the producers stopped ms |");
    line("| --- | --- | --- | --- | --- | --- |");
    for (String sink : Lag.SINKS) {
      line(String.format(Locale.ROOT, "| %s | %s | %.0f |", sink, lag.summary(sink),
          lag.drained[Arrays.asList(Lag.SINKS).indexOf(sink)] / 1e6));
    }
    line("");
    line("Counted in and out (sequence numbers 1.." + last + ", warm-up included):");
    line("");
    line("| sink | records out | missing | duplicates |");
    line("| --- | --- | --- | --- |");
    line(String.format(Locale.ROOT, "| file | %d | %d | %d |", fileCount.total,
        last - fileCount.distinct, fileCount.total - fileCount.distinct));
    line(String.format(Locale.ROOT, "| syslog (as written by rsyslogd) | %d | %d | %d |",
        syslogCount.total, last - syslogCount.distinct, syslogCount.total - syslogCount.distinct));
    line(String.format(Locale.ROOT, "| server | %d | %d | %d offered again, none stored twice |",
        counting.stored, last - counting.stored, counting.duplicates));
    line(String.format(Locale.ROOT, "| baseline file | %d lines | - | - |", baseLines));
    line("");

    // Flat out: how far beyond the target each writer goes on this machine.
    line("### Flat out (no pacing)");
    line("");
    int n = Math.max(rate * 10, 200_000);
    Result baseMax;
    try (AuditLog log = AuditLog.open(work.resolve("baseline-max").resolve("audit.jsonl"),
        Clock.systemUTC())) {
      baseMax = paced(n2 -> {
        ObjectNode r = log.newRecord("connection");
        r.put("node", "spiffe://prod.example/spire/agent/x509pop/bench");
        fill(r, n2);
        log.record(r);
      }, 0, 0, 3_000_000_000L, (long) n);
    }
    CountingServer counting2 = new CountingServer();
    Server grpc2 = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(counting2).build().start();
    ManagedChannel channel2 = NettyChannelBuilder.forAddress("127.0.0.1", grpc2.getPort())
        .usePlaintext().build();
    Rsyslog rsyslog2 = Rsyslog.start(work.resolve("rsyslog-max"));
    Result pipeMax;
    double endToEnd;
    try (AuditPipeline p = AuditPipeline.builder(work.resolve("agent-max").resolve("audit-spool"))
        .syncInterval(syncInterval)
        .node(() -> "spiffe://prod.example/spire/agent/x509pop/bench")
        .output(new JsonLinesFileOutput(work.resolve("agent-max").resolve("audit.jsonl"),
            100L << 20, 1000))
        .output(new SyslogOutput("127.0.0.1", rsyslog2.port, 10, 8192, "bench-node",
            ProcessHandle.current().pid(), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(1)))
        .output(new ServerOutput(new GrpcAuditForwarder(() -> channel2,
            Duration.ofSeconds(30))))
        .open()) {
      long start = System.nanoTime();
      pipeMax = paced(n2 -> {
        ObjectNode r = p.newRecord("connection");
        fill(r, n2);
        p.record(r);
      }, 0, 0, 4_000_000_000L, (long) n);
      p.awaitDelivered(p.lastSequence(), Duration.ofMinutes(10));
      endToEnd = p.lastSequence() / ((System.nanoTime() - start) / 1e9);
    } finally {
      rsyslog2.close();
      channel2.shutdownNow();
      grpc2.shutdownNow();
    }
    line(String.format(Locale.ROOT, "%,d records from %d threads as fast as they go:", n,
        producers));
    line("");
    line("| writer | `record()` calls/s | delivered by every sink, records/s |");
    line("| --- | --- | --- |");
    line(String.format(Locale.ROOT, "| plain AuditLog (baseline) | %,.0f | - |", baseMax.rate()));
    line(String.format(Locale.ROOT, "| pipeline (file + syslog + server) | %,.0f (%.2fx) |"
        + " %,.0f |", pipeMax.rate(), pipeMax.rate() / baseMax.rate(), endToEnd));
    line("");
  }

  private int warmupSeconds() {
    return 5;
  }

  private void line(String s) {
    report.append(s).append('\n');
  }

  private record Result(long records, double seconds, long[] latencies, long cpuNanos) {
    double rate() {
      return records / seconds;
    }

    double cpuPerRecordMicros() {
      return cpuNanos / 1000.0 / records;
    }

    String latency() {
      long[] l = latencies.clone();
      Arrays.sort(l);
      return String.format(Locale.ROOT, "%.1f / %.1f / %,.0f", pct(l, 0.50) / 1e3,
          pct(l, 0.99) / 1e3, l[l.length - 1] / 1e3);
    }
  }

  private static double pct(long[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

  /**
   * Runs {@code write} from the producer threads at {@code perSecond} (0: flat out) for
   * {@code secs} seconds or {@code count} records, numbering records from {@code base}.
   */
  private Result paced(Consumer<Long> write, int perSecond, int secs, long base, Long count)
      throws InterruptedException {
    long total = count != null ? count : (long) perSecond * secs;
    long perThread = total / producers;
    long[][] lat = new long[producers][(int) perThread];
    long cpu0 = cpuNanos();
    long start = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < producers; t++) {
      int id = t;
      Thread th = new Thread(() -> {
        long interval = perSecond == 0 ? 0 : 1_000_000_000L * producers / perSecond;
        for (long i = 0; i < perThread; i++) {
          if (interval > 0) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 20_000) {
              LockSupport.parkNanos(wait);
            }
          }
          long t0 = System.nanoTime();
          write.accept(base + id * 100_000_000L + i);
          lat[id][(int) i] = System.nanoTime() - t0;
        }
      }, "producer-" + t);
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpu = cpuNanos() - cpu0;
    long[] all = new long[(int) (perThread * producers)];
    for (int t = 0; t < producers; t++) {
      System.arraycopy(lat[t], 0, all, (int) (t * perThread), (int) perThread);
    }
    return new Result(perThread * producers, elapsed, all, cpu);
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static long rsyslogCpu(Rsyslog r) {
    return r.cpu().toNanos();
  }

  /** Samples each sink's delivered sequence number every millisecond. */
  private static final class Lag {
    static final String[] SINKS = {"file", "syslog", "server"};
    private final AuditPipeline pipeline;
    private final long[] producedAt;
    private final long first;
    private final List<long[]> samples = new ArrayList<>();
    private final long[] seen = new long[SINKS.length];
    private volatile boolean running = true;
    volatile long lastSeq = Long.MAX_VALUE;
    /** When each sink reached {@link #lastSeq} (nanoTime). */
    final long[] drained = new long[SINKS.length];
    private Thread thread;

    Lag(AuditPipeline pipeline, long[] producedAt, long first) {
      this.pipeline = pipeline;
      this.producedAt = producedAt;
      this.first = first;
      for (int i = 0; i < SINKS.length; i++) {
        seen[i] = first - 1;
        samples.add(new long[producedAt.length]);
      }
    }

    private final int[] counts = new int[SINKS.length];

    void start() {
      thread = new Thread(() -> {
        while (running) {
          long now = System.nanoTime();
          for (int i = 0; i < SINKS.length; i++) {
            long d = Math.min(pipeline.sink(SINKS[i]).deliveredThrough(), lastSeq);
            for (long s = seen[i] + 1; s <= d; s++) {
              long at = producedAt[(int) s];
              if (at != 0) {
                samples.get(i)[counts[i]++] = now - at;
              }
            }
            seen[i] = Math.max(seen[i], d);
            if (seen[i] >= lastSeq && drained[i] == 0) {
              drained[i] = now;
            }
          }
          LockSupport.parkNanos(1_000_000);
        }
      }, "lag");
      thread.setDaemon(true);
      thread.start();
    }

    void stop(long last) throws InterruptedException {
      lastSeq = last;
      Thread.sleep(20);
      running = false;
      thread.join();
    }

    String summary(String sink) {
      int i = Arrays.asList(SINKS).indexOf(sink);
      long[] l = Arrays.copyOf(samples.get(i), counts[i]);
      Arrays.sort(l);
      return String.format(Locale.ROOT, "%.1f | %.1f | %.1f | %.1f", pct(l, 0.5) / 1e6,
          pct(l, 0.99) / 1e6, pct(l, 0.999) / 1e6, l[l.length - 1] / 1e6);
    }
  }

  private record Count(long total, long distinct) {}

  private static Count countFile(Path file, long last) throws IOException {
    BitSet seen = new BitSet();
    long total = 0;
    for (int i = 1000; i >= 0; i--) {
      Path p = i == 0 ? file : file.resolveSibling(file.getFileName() + "." + i);
      if (!Files.exists(p)) {
        continue;
      }
      try (BufferedReader in = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
        String line;
        while ((line = in.readLine()) != null) {
          int at = line.indexOf("\"seq\":");
          long seq = Long.parseLong(line.substring(at + 6, line.indexOf(',', at)));
          if (seq <= last) {
            seen.set((int) seq);
            total++;
          }
        }
      }
    }
    return new Count(total, seen.cardinality());
  }

  private static Count countSyslog(Path output, long last) throws IOException {
    BitSet seen = new BitSet();
    long total = 0;
    if (!Files.exists(output)) {
      return new Count(0, 0);
    }
    try (BufferedReader in = Files.newBufferedReader(output, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        Matcher m = SD_SEQ.matcher(line);
        if (m.find()) {
          long seq = Long.parseLong(m.group(1));
          if (seq <= last) {
            seen.set((int) seq);
            total++;
          }
        }
      }
    }
    return new Count(total, seen.cardinality());
  }

  private static long countLines(Path file) throws IOException {
    try (var lines = Files.lines(file)) {
      return lines.count();
    }
  }

  /** ForwardAudit that counts: stores nothing but the acknowledged sequence number. */
  private static final class CountingServer extends NodeGrpc.NodeImplBase {
    long acked;
    long stored;
    long duplicates;

    @Override
    public synchronized void forwardAudit(ForwardAuditRequest request,
        StreamObserver<ForwardAuditResponse> response) {
      long seq = request.getFirstSequence();
      for (int i = 0; i < request.getRecordsCount(); i++, seq++) {
        if (seq <= acked) {
          duplicates++;
        } else if (seq == acked + 1) {
          acked = seq;
          stored++;
        }
      }
      response.onNext(ForwardAuditResponse.newBuilder().setAcknowledgedThrough(acked).build());
      response.onCompleted();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      s.sorted((a, b) -> b.compareTo(a)).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // best effort
        }
      });
    }
  }
}
