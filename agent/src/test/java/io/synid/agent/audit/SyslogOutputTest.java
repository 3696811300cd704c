package io.synid.agent.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SyslogOutputTest {
  private final SyslogOutput out = new SyslogOutput("127.0.0.1", 514, 10, 2048, "node-1.example",
      4242, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void formatsRfc5424WithSeverityByEvent() {
    String allowed = "{\"schema\":\"synid.audit/v1\",\"seq\":7,\"time\":\"2024-05-01T10:20:30"
        + ".123456789Z\",\"event\":\"connection\",\"node\":\"spiffe://example.org/spire/agent/"
        + "x509pop/n1\",\"verdict\":\"allowed\"}";
    assertThat(text(out.message(new SpooledRecord(7, allowed)))).isEqualTo(
        "<86>1 2024-05-01T10:20:30.123456Z node-1.example synid-agent 4242 connection"
            + " [synid@32473 seq=\"7\" node=\"spiffe://example.org/spire/agent/x509pop/n1\"] "
            + allowed);
    String denied = allowed.replace("allowed", "denied");
    assertThat(text(out.message(new SpooledRecord(7, denied)))).startsWith("<84>1 ");
    for (String event : new String[] {"agent_refused", "api_denied", "audit_dropped"}) {
      assertThat(text(out.message(new SpooledRecord(1, "{\"seq\":1,\"event\":\"" + event
          + "\"}")))).startsWith("<84>1 - node-1.example synid-agent 4242 " + event + " ");
    }
    assertThat(text(out.message(new SpooledRecord(1, "{\"seq\":1,\"event\":\"node_attestation\","
        + "\"outcome\":\"failure\"}")))).startsWith("<84>");
    assertThat(text(out.message(new SpooledRecord(1, "{\"seq\":1,\"event\":\"workload_svid\"}"))))
        .startsWith("<86>");
    // Only a real key and value count, not the same text inside a string.
    assertThat(text(out.message(new SpooledRecord(1, "{\"seq\":1,\"event\":\"connection\","
        + "\"note\":\"\\\"verdict\\\":\\\"denied\\\"\",\"verdict\":\"allowed\"}"))))
        .startsWith("<86>");
  }

  @Test
  void framesWithTheOctetCountOfTheUtf8Message() {
    String json = "{\"seq\":3,\"event\":\"x\",\"exe\":\"/usr/bin/é中\uD83D\uDE00\"}";
    byte[] frame = out.frame(new SpooledRecord(3, json));
    String f = text(frame);
    int space = f.indexOf(' ');
    int declared = Integer.parseInt(f.substring(0, space));
    assertThat(frame.length - space - 1).isEqualTo(declared);
    assertThat(declared).isGreaterThan(f.length() - space - 1); // multibyte characters counted
  }

  @Test
  void headerFieldsAreSanitizedAndParamValuesEscaped() {
    assertThat(SyslogOutput.timestamp("2024-05-01T10:20:30Z")).isEqualTo("2024-05-01T10:20:30Z");
    assertThat(SyslogOutput.timestamp("2024-05-01T10:20:30.5Z")).isEqualTo(
        "2024-05-01T10:20:30.5Z");
    assertThat(SyslogOutput.timestamp("2024-05-01T10:20:30.123456789+02:00"))
        .isEqualTo("2024-05-01T10:20:30.123456+02:00");
    assertThat(SyslogOutput.timestamp("yesterday")).isEqualTo("-");
    assertThat(SyslogOutput.timestamp(null)).isEqualTo("-");
    assertThat(SyslogOutput.printable("conn ection\né", 32)).isEqualTo("conn_ection__");
    assertThat(SyslogOutput.printable("x".repeat(40), 32)).hasSize(32);
    assertThat(SyslogOutput.printable("", 32)).isEqualTo("-");
    assertThat(SyslogOutput.sdEscape("a\"b\\c]d")).isEqualTo("a\\\"b\\\\c\\]d");
    assertThat(SyslogOutput.sdEscape("a\nb\u0000c\u2028d\u0085e")).isEqualTo("a_b_c_d_e");
    String m = text(out.message(new SpooledRecord(1, "{\"seq\":1,\"event\":\"bad event\\n\","
        + "\"node\":\"x\\\"] [evil@1 a=\\\"b\"}")));
    assertThat(m).contains(" bad_event_ [synid@32473 seq=\"1\" node=\"x\\\"\\] [evil@1 a=\\\"b\"] ");
  }

  @Test
  void anOversizedRecordIsSentShortenedAsValidJson() throws Exception {
    String json = "{\"schema\":\"synid.audit/v1\",\"seq\":9,\"time\":\"2024-05-01T10:20:30Z\","
        + "\"event\":\"workload_svid\",\"node\":\"n\",\"executable\":\"" + "x".repeat(10_000)
        + "\"}";
    byte[] message = out.message(new SpooledRecord(9, json));
    assertThat(message.length).isLessThanOrEqualTo(2048);
    String m = text(message);
    JsonNode body = AuditFiles.JSON.readTree(m.substring(m.indexOf("] ") + 2));
    assertThat(body.get("truncated").asBoolean()).isTrue();
    assertThat(body.get("seq").asLong()).isEqualTo(9);
    assertThat(body.get("event").asText()).isEqualTo("workload_svid");
  }

  @Test
  void facilitiesByNameOrNumber() {
    assertThat(SyslogOutput.facility("authpriv")).isEqualTo(10);
    assertThat(SyslogOutput.facility("LOCAL7")).isEqualTo(23);
    assertThat(SyslogOutput.facility("4")).isEqualTo(4);
    assertThatThrownBy(() -> SyslogOutput.facility("24")).hasMessageContaining("0-23");
    assertThatThrownBy(() -> SyslogOutput.facility("local8")).hasMessageContaining("local0");
    assertThatThrownBy(() -> SyslogOutput.facility(null)).isInstanceOf(
        IllegalArgumentException.class);
  }
}
