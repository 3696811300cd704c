package io.synid.harness.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.agent.AgentDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SVID rotation under load: with 20-second SVIDs, two go-spiffe workloads under different uids
 * make a fresh mTLS connection every half second for several minutes; not one handshake fails.
 */
class AgentRotationTest {
  private static final Duration RUN = Duration.ofSeconds(
      Long.getLong("synid.rotationSeconds", 150));
  private AgentHarness h;

  @BeforeEach
  void setUp() throws Exception {
    h = new AgentHarness();
    h.startServer(Optional.empty());
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }

  @Test
  void twentySecondSvidsRotateWithoutAFailedHandshake() throws Exception {
    String token = h.joinToken();
    String agentId = AgentHarness.joinTokenAgentId(token);
    h.createEntry(agentId, "/web", 20, "unix:uid:1001");
    h.createEntry(agentId, "/api", 20, "unix:uid:1002");
    AgentDaemon agent = h.startJoinTokenAgent("agent", token);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> agent.state().svids().size() == 2);
    String socket = "unix://" + h.socket("agent");
    String go = h.goValidator().toString();
    int port = AgentHarness.freePort();
    Path serveOut = h.dir.resolve("serve.out");
    Process serve = h.start(1001, serveOut, go, "workload", "serve", "-socket", socket,
        "-listen", "127.0.0.1:" + port, "-authorize", "spiffe://example.org/api", "-count", "0");
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> Files.readString(serveOut).contains("listening"));

    Map<String, Object> dial = AgentHarness.json(h.run(1002, RUN.plusSeconds(60), go, "workload",
        "dial", "-socket", socket, "-addr", "127.0.0.1:" + port, "-authorize",
        "spiffe://example.org/web", "-interval", "500ms", "-duration", RUN.toSeconds() + "s"));
    assertThat(dial.get("errors")).as("errors seen by the client").satisfiesAnyOf(
        e -> assertThat(e).isNull(), e -> assertThat((Iterable<?>) e).isEmpty());
    assertThat(dial).containsEntry("failed", 0);
    assertThat(((Number) dial.get("succeeded")).intValue()).isGreaterThan((int) RUN.toSeconds());
    assertThat(serve.isAlive()).isTrue();

    // At least five rotations of each SVID reached its workload (one audit record per new SVID;
    // through the agent's audit spool, so the file may trail by a moment).
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String audit = Files.readString(h.dir.resolve("agent").resolve("audit.jsonl"));
      for (String id : new String[] {"web", "api"}) {
        long serials = audit.lines().filter(l -> l.contains("\"event\":\"workload_svid\"")
                && l.contains("\"spiffe_id\":\"spiffe://example.org/" + id + "\"")
                && l.contains("\"kind\":\"x509\""))
            .map(l -> l.replaceAll(".*\"serial\":\"([0-9a-f]+)\".*", "$1")).distinct().count();
        assertThat(serials).as("distinct SVIDs served to /" + id).isGreaterThanOrEqualTo(6);
      }
    });
  }
}
