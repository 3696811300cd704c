package io.synid.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AgentSettingsAuditTest {
  private static final String BASE = String.join("\n",
      "trustDomain: example.org",
      "dataDir: /var/lib/synid/agent",
      "trustBundle: {path: /etc/synid/bundle.pem}",
      "nodeAttestor: {joinToken: abc}",
      "");

  private static AgentSettings parse(String audit) throws InvalidAgentConfigException {
    return AgentSettings.parse("agent.yaml", BASE + audit);
  }

  @Test
  void defaults() throws Exception {
    AgentSettings.Audit a = parse("").audit();
    assertThat(a.path()).isEqualTo(Path.of("/var/lib/synid/agent/audit.jsonl"));
    assertThat(a.maxFileBytes()).isEqualTo(100L << 20);
    assertThat(a.maxFiles()).isEqualTo(5);
    assertThat(a.syslog()).isNull();
    assertThat(a.forwardToServer()).isFalse();
    assertThat(a.spoolMaxBytes()).isEqualTo(256L << 20);
    assertThat(a.spoolSyncInterval()).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void everyKey() throws Exception {
    AgentSettings.Audit a = parse(String.join("\n",
        "audit:",
        "  path: /var/log/synid/audit.jsonl",
        "  maxFileBytes: 1048576",
        "  maxFiles: 20",
        "  syslog: {address: logs.example.org, port: 6514, facility: local4,"
            + " maxMessageBytes: 64KiB}",
        "  forwardToServer: true",
        "  spoolMaxBytes: 1GiB",
        "  spoolSyncInterval: 10ms", "")).audit();
    assertThat(a.path()).isEqualTo(Path.of("/var/log/synid/audit.jsonl"));
    assertThat(a.maxFileBytes()).isEqualTo(1 << 20);
    assertThat(a.maxFiles()).isEqualTo(20);
    assertThat(a.syslog()).isEqualTo(new AgentSettings.Syslog("logs.example.org", 6514, 20,
        65536));
    assertThat(a.forwardToServer()).isTrue();
    assertThat(a.spoolMaxBytes()).isEqualTo(1L << 30);
    assertThat(a.spoolSyncInterval()).isEqualTo(Duration.ofMillis(10));
    assertThat(parse("audit: {syslog: {address: 10.0.0.1, facility: 13}}").audit().syslog())
        .isEqualTo(new AgentSettings.Syslog("10.0.0.1", 514, 13, 8192));
  }

  @Test
  void everyProblemAtOnceWithItsField() {
    assertThatThrownBy(() -> parse(String.join("\n",
        "audit:",
        "  path: ''",
        "  maxFileBytes: 10XB",
        "  maxFiles: 0",
        "  syslog: {port: 70000, facility: local9, maxMessageBytes: 100}",
        "  spoolMaxBytes: 1MiB",
        "  spoolSyncInterval: 0ms", "")))
        .isInstanceOfSatisfying(InvalidAgentConfigException.class, e ->
            assertThat(e.problems()).containsExactlyInAnyOrder(
                "audit.path is empty (leave it out for <dataDir>/audit.jsonl)",
                "audit.maxFileBytes: \"10XB\" is not a size (a whole number of bytes, optionally"
                    + " followed by KiB, MiB or GiB, e.g. 100MiB)",
                "audit.maxFiles must be between 1 and 1000, not 0",
                "audit.spoolMaxBytes must be at least 4MiB, not 1MiB",
                "audit.spoolSyncInterval must be between 1ms and 10s, not 0ms",
                "audit.syslog.address is required (the syslog server's host name or IP)",
                "audit.syslog.port must be between 1 and 65535, not 70000",
                "audit.syslog.facility: \"local9\" is not a syslog facility (a number 0-23 or"
                    + " one of kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron,"
                    + " authpriv, ftp, ntp, security, console, solaris-cron, local0 .. local7)",
                "audit.syslog.maxMessageBytes must be at least 1KiB, not 100"));
  }

  @Test
  void unknownKeysNameTheLineAndTheKnownOnes() {
    assertThatThrownBy(() -> parse("audit:\n  syslog:\n    adress: x\n"))
        .isInstanceOfSatisfying(InvalidAgentConfigException.class, e ->
            assertThat(e.problems()).containsExactly(
                "line 7: unknown field \"audit.syslog.adress\" (known here: address, facility,"
                    + " maxMessageBytes, port)",
                "audit.syslog.address is required (the syslog server's host name or IP)"));
    assertThatThrownBy(() -> parse("audit: {fowardToServer: true}\n"))
        .hasMessageContaining("unknown field \"audit.fowardToServer\"")
        .hasMessageContaining("forwardToServer");
  }

  @Test
  void theShippedFullExampleIsValid() throws Exception {
    Path full = Path.of("..", "conf", "agent", "agent-full.yaml");
    AgentSettings s = AgentSettings.parse(full.toString(), Files.readString(full));
    assertThat(s.audit().path()).isEqualTo(Path.of("/var/lib/synid/agent/audit.jsonl"));
    assertThat(s.audit().spoolMaxBytes()).isEqualTo(256L << 20);
  }
}
