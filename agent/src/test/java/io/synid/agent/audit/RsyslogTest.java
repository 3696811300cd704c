package io.synid.agent.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The syslog sink against Debian's rsyslogd (installed by scripts/setup.sh) on loopback. */
class RsyslogTest {
  private static final int LOCAL4 = 20;
  @TempDir Path dir;

  @BeforeEach
  void needsRsyslog() {
    // A missing rsyslogd fails loudly: scripts/test.sh installs it, so this test always runs.
    org.assertj.core.api.Assertions.assertThat(Rsyslog.available())
        .as("rsyslogd is not installed (scripts/setup.sh installs Debian's rsyslog)").isTrue();
  }

  private AuditPipeline pipeline(int port) throws Exception {
    return AuditPipeline.builder(dir.resolve("spool"))
        .syncInterval(Duration.ofMillis(10))
        .node(() -> "spiffe://example.org/spire/agent/x509pop/node-1")
        .output(new JsonLinesFileOutput(dir.resolve("audit.jsonl"), 64L << 20, 3))
        .output(new SyslogOutput("127.0.0.1", port, LOCAL4, 8192, "node-1.example", 4242,
            Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(1)))
        .open();
  }

  private static Map<Long, JsonNode> bySeq(List<JsonNode> messages) {
    Map<Long, JsonNode> out = new HashMap<>();
    for (JsonNode m : messages) {
      String sd = m.get("sd").asText();
      out.put(Long.parseLong(sd.replaceAll("(?s)^\\[synid@32473 seq=\"(\\d+)\".*", "$1")), m);
    }
    return out;
  }

  private static TreeSet<Long> seqs(List<JsonNode> messages) {
    return new TreeSet<>(bySeq(messages).keySet());
  }

  @Test
  void rsyslogParsesEveryFieldOfOurRfc5424Messages() throws Exception {
    String tricky = "a\nb\r\t\u0000 \"q\" \\ ] [x@1 y=\"z\"] é 中文 \uD83D\uDE00 \u2028";
    try (Rsyslog rsyslog = Rsyslog.start(dir.resolve("rsyslog"));
        AuditPipeline p = pipeline(rsyslog.port)) {
      ObjectNode allowed = p.newRecord("connection");
      allowed.put("verdict", "allowed");
      p.record(allowed);
      ObjectNode denied = p.newRecord("connection");
      denied.put("verdict", "denied");
      denied.put("reason", "default-deny");
      p.record(denied);
      ObjectNode refused = p.newRecord("agent_refused");
      refused.put("reason", "AGENT_BANNED");
      p.record(refused);
      ObjectNode failed = p.newRecord("node_attestation");
      failed.put("outcome", "failure");
      p.record(failed);
      ObjectNode hostile = p.newRecord("workload svid\n" + tricky);
      hostile.put("node", "spiffe://example.org/" + tricky);
      hostile.put("executable", tricky);
      p.record(hostile);
      ObjectNode huge = p.newRecord("workload_svid");
      huge.put("executable", "x".repeat(100_000));
      p.record(huge);
      assertThat(p.awaitDelivered(6, Duration.ofSeconds(30))).isTrue();
      Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> rsyslog.messages().size() >= 6);
      List<JsonNode> file = AuditFiles.records(dir.resolve("audit.jsonl"));
      List<String> lines = AuditFiles.lines(dir.resolve("audit.jsonl"));
      Map<Long, JsonNode> got = bySeq(rsyslog.messages());
      assertThat(got).hasSize(6);
      int[] severity = {6, 4, 4, 4, 6, 6};
      for (int i = 0; i < 6; i++) {
        long seq = i + 1;
        JsonNode m = got.get(seq);
        JsonNode record = file.get(i);
        assertThat(m.get("pri").asInt()).as("PRI of %d", seq).isEqualTo(LOCAL4 * 8 + severity[i]);
        assertThat(m.get("ver").asText()).isEqualTo("1");
        assertThat(m.get("app").asText()).isEqualTo("synid-agent");
        assertThat(m.get("procid").asText()).isEqualTo("4242");
        assertThat(m.get("host").asText()).isEqualTo("node-1.example");
        assertThat(m.get("msgid").asText()).isEqualTo(
            SyslogOutput.printable(record.get("event").asText(), 32));
        String time = record.get("time").asText();
        assertThat(m.get("ts").asText()).isEqualTo(SyslogOutput.timestamp(time));
        assertThat(m.get("sd").asText()).isEqualTo("[synid@32473 seq=\"" + seq + "\" node=\""
            + SyslogOutput.sdEscape(record.get("node").asText()) + "\"]");
        if (seq != 6) {
          // The message body is the record, byte for byte.
          assertThat(m.get("msg").asText()).isEqualTo(lines.get(i));
        }
      }
      assertThat(got.get(5L).get("msgid").asText()).startsWith("workload_svid_");
      JsonNode shortened = AuditFiles.JSON.readTree(got.get(6L).get("msg").asText());
      assertThat(shortened.get("truncated").asBoolean()).isTrue();
      assertThat(shortened.get("seq").asLong()).isEqualTo(6);
      assertThat(got.get(6L).get("msg").asText().getBytes(StandardCharsets.UTF_8).length)
          .isLessThan(8192);
      assertThat(file.get(5).get("executable").asText()).hasSize(100_000);
    }
  }

  @Test
  void aRestartedRsyslogGetsEverythingAfterReconnecting() throws Exception {
    try (Rsyslog rsyslog = Rsyslog.start(dir.resolve("rsyslog"));
        AuditPipeline p = pipeline(rsyslog.port)) {
      for (int i = 0; i < 500; i++) {
        p.record(p.newRecord("connection"));
      }
      Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> rsyslog.messages().size() >= 500);
      rsyslog.stop();
      for (int i = 0; i < 500; i++) {
        p.record(p.newRecord("connection"));
      }
      Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> p.sink("syslog").failures() > 0);
      rsyslog.start();
      Awaitility.await().atMost(Duration.ofSeconds(60))
          .until(() -> seqs(rsyslog.messages()).size() == 1000);
      assertThat(seqs(rsyslog.messages())).containsExactlyElementsOf(
          LongStream.rangeClosed(1, 1000).boxed().toList());
    }
  }

  @Test
  void aKilledRsyslogLosesNothingThatTheResendWindowCovers() throws Exception {
    try (Rsyslog rsyslog = Rsyslog.start(dir.resolve("rsyslog"));
        AuditPipeline p = pipeline(rsyslog.port)) {
      Thread producer = new Thread(() -> {
        for (int i = 0; i < 6000; i++) {
          p.record(p.newRecord("connection"));
          if (i % 20 == 0) {
            sleep(10); // about 2,000 records/s
          }
        }
      });
      producer.start();
      sleep(1000);
      rsyslog.kill(); // SIGKILL: whatever rsyslog had not written is gone
      sleep(500);
      rsyslog.start();
      producer.join();
      Awaitility.await().atMost(Duration.ofSeconds(60))
          .until(() -> seqs(rsyslog.messages()).size() == 6000);
      List<JsonNode> all = rsyslog.messages();
      assertThat(seqs(all)).containsExactlyElementsOf(
          LongStream.rangeClosed(1, 6000).boxed().toList());
      // At-least-once: the repeats are the resend window's worth, not more.
      assertThat(all.size() - 6000).isLessThanOrEqualTo(2500);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
