package io.synid.agent.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditPipelineTest {
  @TempDir Path dir;

  private AuditPipeline open(AuditForwarder server, long spoolMax, long segment)
      throws Exception {
    AuditPipeline.Builder b = AuditPipeline.builder(dir.resolve("audit-spool"))
        .spoolMaxBytes(spoolMax)
        .segmentBytes(segment)
        .syncInterval(Duration.ofMillis(10))
        .node(() -> "spiffe://example.org/spire/agent/join_token/n1")
        .output(new JsonLinesFileOutput(dir.resolve("audit.jsonl"), 1 << 20, 1000));
    if (server != null) {
      b.output(new ServerOutput(server));
    }
    return b.open();
  }

  private AuditPipeline open(AuditForwarder server) throws Exception {
    return open(server, 64L << 20, 256L << 10);
  }

  private static void connection(AuditSink sink, long n, String pad) {
    sink.record(connectionRecord(sink, n, pad));
  }

  private static ObjectNode connectionRecord(AuditSink sink, long n, String pad) {
    ObjectNode r = sink.newRecord("connection");
    r.put("n", n);
    r.put("direction", "inbound");
    ObjectNode src = r.putObject("src");
    src.put("ip", "10.0.0." + (n % 250));
    src.put("port", 40000 + n % 20000);
    src.put("spiffe_id", "spiffe://example.org/web");
    r.put("verdict", n % 10 == 0 ? "denied" : "allowed");
    r.put("pad", pad);
    return r;
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  void recordsCarrySchemaSeqTimeEventAndNodeFirst() throws Exception {
    AtomicReference<String> node = new AtomicReference<>();
    try (AuditPipeline p = AuditPipeline.builder(dir.resolve("spool")).node(node::get)
        .output(new JsonLinesFileOutput(dir.resolve("audit.jsonl"), 1 << 20, 2)).open()) {
      ObjectNode r = p.newRecord("node_attestation");
      r.put("outcome", "failure");
      p.record(r);
      node.set("spiffe://example.org/spire/agent/x509pop/abc");
      ObjectNode r2 = p.newRecord("node_attestation");
      r2.put("seq", 999); // ignored: the pipeline numbers records
      r2.put("outcome", "success");
      assertThat(p.append(r2)).isEqualTo(2);
      assertThat(p.awaitDelivered(2, Duration.ofSeconds(10))).isTrue();
    }
    List<JsonNode> records = AuditFiles.records(dir.resolve("audit.jsonl"));
    assertThat(records).hasSize(2);
    List<String> names = new ArrayList<>();
    records.get(1).fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactly("schema", "seq", "time", "event", "node", "outcome");
    assertThat(records.get(0).get("node").asText()).isEqualTo("unattested");
    assertThat(records.get(1).get("node").asText())
        .isEqualTo("spiffe://example.org/spire/agent/x509pop/abc");
    assertThat(records.get(1).get("seq").asLong()).isEqualTo(2);
    assertThat(records.get(1).get("schema").asText()).isEqualTo("synid.audit/v1");
  }

  @Test
  void everyRecordReachesEverySinkExactlyOnce() throws Exception {
    FakeAuditForwarder server = new FakeAuditForwarder(1);
    int threads = 4;
    int perThread = 5000;
    try (AuditPipeline p = open(server)) {
      List<Thread> producers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t * perThread;
        boolean batches = t % 2 == 1;
        Thread th = new Thread(() -> {
          // Half the producers write one record at a time, half in batches of up to 7.
          List<ObjectNode> batch = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            if (!batches) {
              connection(p, base + i, "x");
              continue;
            }
            batch.add(connectionRecord(p, base + i, "x"));
            if (batch.size() == 1 + i % 7 || i == perThread - 1) {
              p.recordAll(batch);
              batch.clear();
            }
          }
        });
        producers.add(th);
        th.start();
      }
      for (Thread th : producers) {
        th.join();
      }
      assertThat(p.lastSequence()).isEqualTo(threads * perThread);
      assertThat(p.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(p.awaitDelivered(p.lastSequence(), Duration.ofSeconds(60))).isTrue();
    }
    int total = threads * perThread;
    List<String> lines = AuditFiles.lines(dir.resolve("audit.jsonl"));
    assertThat(AuditFiles.seqs(dir.resolve("audit.jsonl"))).containsExactlyElementsOf(
        range(1, total));
    Set<Long> ns = new HashSet<>();
    for (JsonNode r : AuditFiles.records(dir.resolve("audit.jsonl"))) {
      ns.add(r.get("n").asLong());
    }
    assertThat(ns).hasSize(total);
    Map<Long, String> stored = server.stored();
    assertThat(stored.keySet()).containsExactlyElementsOf(range(1, total));
    assertThat(new ArrayList<>(stored.values())).containsExactlyElementsOf(lines);
    assertThat(server.duplicatesOffered()).isZero();
    assertThat(server.badSequence()).isZero();
  }

  @Test
  void restartsAfterKillsWithFailingServerLoseAndDuplicateNothing() throws Exception {
    FakeAuditForwarder server = new FakeAuditForwarder(7).failures(0.1, 0.1, 0.1);
    Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    Random random = new Random(11);
    int rounds = 6;
    // The spool's bound is far above the 48,000 records this can produce: on a slow machine the
    // failing server sink falls behind, and reaching the bound drops the oldest records by
    // design (covered by aServerDownLongerThanTheSpoolHoldsLosesOnlyItsOwnOldestRecordsAndSaysSo),
    // which is not what this test is about.
    for (int round = 0; round < rounds; round++) {
      AuditPipeline p = open(server, 64L << 20, 64L << 10);
      List<Thread> producers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        long base = round * 1_000_000L + t * 100_000L;
        Thread th = new Thread(() -> {
          for (int i = 0; i < 4000; i++) {
            try {
              connection(p, base + i, "y".repeat(40));
              acknowledged.add(base + i);
            } catch (AuditWriteException e) {
              return; // the "process" was killed
            }
            if (i % 100 == 0) {
              sleepMs(1);
            }
          }
        });
        producers.add(th);
        th.start();
      }
      // Kill while records flow and sinks are mid-delivery: no fsync, no cursor saved.
      sleepMs(50 + random.nextInt(250));
      p.halt();
      for (Thread th : producers) {
        th.join();
      }
    }
    long last;
    try (AuditPipeline p = open(server, 64L << 20, 64L << 10)) {
      last = p.lastSequence();
      assertThat(p.awaitDelivered(last, Duration.ofSeconds(120))).isTrue();
    }
    // In: every record() that returned. Out: exactly those, once, in the file and the server.
    List<JsonNode> file = AuditFiles.records(dir.resolve("audit.jsonl"));
    assertThat(file).extracting(r -> r.get("seq").asLong()).containsExactlyElementsOf(
        range(1, last));
    List<Long> ns = file.stream().map(r -> r.get("n").asLong()).toList();
    assertThat(new HashSet<>(ns)).hasSize(ns.size()).isEqualTo(acknowledged);
    assertThat(last).isEqualTo(acknowledged.size());
    Map<Long, String> stored = server.stored();
    assertThat(stored.keySet()).containsExactlyElementsOf(range(1, last));
    assertThat(new ArrayList<>(stored.values()))
        .containsExactlyElementsOf(AuditFiles.lines(dir.resolve("audit.jsonl")));
    assertThat(server.conflicts()).isZero();
    assertThat(server.badSequence()).isZero();
    assertThat(server.gaps()).isEmpty();
    // Redelivery did happen (lost answers, restarts) and was absorbed by sequence numbers.
    assertThat(server.duplicatesOffered()).isPositive();
  }

  @Test
  void aServerDownLongerThanTheSpoolHoldsLosesOnlyItsOwnOldestRecordsAndSaysSo()
      throws Exception {
    FakeAuditForwarder server = new FakeAuditForwarder(3).down(true);
    long last;
    try (AuditPipeline p = open(server, 4L << 20, 64L << 10)) {
      String pad = "z".repeat(300);
      for (int i = 0; i < 30_000; i++) {
        connection(p, i, pad); // never blocks, though the server sink is stuck
      }
      last = p.lastSequence();
      assertThat(p.spool().bytes()).isLessThanOrEqualTo(4L << 20);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
          .until(() -> p.sink("file").deliveredThrough() >= p.lastSequence()
              && p.sink("server").dropped() > 0);
      server.down(false);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(90))
          .until(() -> p.sink("server").deliveredThrough() >= p.lastSequence());
      last = p.lastSequence();
      assertThat(p.sink("file").dropped()).isZero();
    }
    List<JsonNode> file = AuditFiles.records(dir.resolve("audit.jsonl"));
    assertThat(file).extracting(r -> r.get("seq").asLong()).containsExactlyElementsOf(
        range(1, last));
    long droppedForServer = 0;
    Set<Long> announced = new HashSet<>();
    for (JsonNode r : file) {
      if (r.get("event").asText().equals("audit_dropped")) {
        assertThat(r.get("sink").asText()).isEqualTo("server");
        assertThat(r.get("reason").asText()).isEqualTo("spool_full");
        droppedForServer += r.get("dropped").asLong();
        for (long s = r.get("first_seq").asLong(); s <= r.get("last_seq").asLong(); s++) {
          announced.add(s);
        }
      }
    }
    assertThat(droppedForServer).isPositive();
    Map<Long, String> stored = server.stored();
    // Every record is either at the server or announced as dropped for it, never both.
    assertThat(stored.size() + droppedForServer).isEqualTo(last);
    assertThat(Collections.disjoint(stored.keySet(), announced)).isTrue();
    // The server was told about the gap by the audit_dropped records it did get.
    assertThat(stored.values()).anyMatch(j -> j.contains("\"event\":\"audit_dropped\""));
  }

  @Test
  void hostileRecordsStayOneValidJsonLineEach() throws Exception {
    FakeAuditForwarder server = new FakeAuditForwarder(5);
    String tricky = "line1\nline2\r\n\t\u0000\u001b[31m \"quoted\" \\ ] } { \u2028\u2029\u0085"
        + " é ü 中文 עברית \uD83D\uDE00 \uFEFF";
    try (AuditPipeline p = open(server)) {
      ObjectNode a = p.newRecord("connection");
      a.put("exe", tricky);
      a.put("spiffe_id", "spiffe://example.org/" + tricky);
      p.record(a);
      ObjectNode b = p.newRecord("connection\nevent"); // event names are data too
      b.put("lone_surrogate", "a\uD800b");
      p.record(b);
      ObjectNode huge = p.newRecord("workload_svid");
      huge.put("executable", "x".repeat(5_000_000));
      ArrayNode selectors = huge.putArray("selectors");
      for (int i = 0; i < 100_000; i++) {
        selectors.add("k8s:pod-label:key" + i + ":value" + i);
      }
      p.record(huge);
      ObjectNode deep = p.newRecord("deep");
      ObjectNode cur = deep;
      for (int i = 0; i < 200; i++) {
        cur = cur.putObject("d");
      }
      p.record(deep);
      ObjectNode empty = p.newRecord("");
      p.record(empty);
      assertThat(p.awaitDelivered(5, Duration.ofSeconds(30))).isTrue();
    }
    Path file = dir.resolve("audit.jsonl");
    String raw = Files.readString(file, StandardCharsets.UTF_8);
    assertThat(raw.split("\n", -1)).hasSize(6); // five lines and the empty rest
    assertThat(raw).doesNotContain("\u2028").doesNotContain("\u2029").doesNotContain("\r");
    List<JsonNode> records = AuditFiles.records(file);
    assertThat(records).extracting(r -> r.get("seq").asLong()).containsExactly(1L, 2L, 3L, 4L,
        5L);
    assertThat(records.get(0).get("exe").asText()).isEqualTo(tricky);
    assertThat(records.get(1).get("event").asText()).isEqualTo("connection\nevent");
    assertThat(records.get(1).get("lone_surrogate").asText()).isEqualTo("a?b");
    JsonNode big = records.get(2);
    assertThat(big.get("truncated").asBoolean()).isTrue();
    assertThat(big.get("event").asText()).isEqualTo("workload_svid");
    assertThat(AuditFiles.lines(file).get(2).getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(AuditSpool.MAX_RECORD_BYTES);
    int depth = 0;
    for (JsonNode n = records.get(3); n.has("d"); n = n.get("d")) {
      depth++;
    }
    assertThat(depth).isEqualTo(200);
    assertThat(new ArrayList<>(server.stored().values()))
        .containsExactlyElementsOf(AuditFiles.lines(file));
  }

  @Test
  void aClosedPipelineRefusesRecordsAndFlushMeansFsynced() throws Exception {
    AuditPipeline p = open(null);
    connection(p, 1, "a");
    assertThat(p.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(p.spool().durableSeq()).isEqualTo(1);
    p.close();
    assertThatThrownBy(() -> connection(p, 2, "b")).isInstanceOf(AuditWriteException.class);
    // The cursor of the file sink was saved: a new pipeline starts after it.
    assertThat(Files.readString(dir.resolve("audit-spool").resolve("file.cursor")).trim())
        .isEqualTo("1");
  }

  @Test
  void segmentsAreDeletedOnceEverySinkPassedThem() throws Exception {
    FakeAuditForwarder server = new FakeAuditForwarder(9).down(true);
    try (AuditPipeline p = open(server, 8L << 20, 64L << 10)) {
      for (int i = 0; i < 5000; i++) {
        connection(p, i, "q".repeat(100));
      }
      p.awaitDelivered(0, Duration.ofSeconds(1));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> p.sink("file").savedThrough() >= p.lastSequence());
      // The server sink holds everything back.
      assertThat(p.spool().segments()).isGreaterThan(5);
      server.down(false);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
          .until(() -> p.sink("server").savedThrough() >= p.lastSequence()
              && p.spool().segments() == 1);
    }
    Iterator<Path> left = Files.list(dir.resolve("audit-spool"))
        .filter(f -> f.toString().endsWith(".seg")).iterator();
    assertThat(left.hasNext()).isTrue();
    left.next();
    assertThat(left.hasNext()).isFalse();
  }

  private static void sleepMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
