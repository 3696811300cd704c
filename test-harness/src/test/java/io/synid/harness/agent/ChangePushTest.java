package io.synid.harness.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.agent.AgentDaemon;
import java.time.Duration;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Policy and directory changes reach the agents' kernels through the server's change
 * announcements (Node/WatchChanges), not at the next sync: here the agents sync once an hour, so
 * everything that reaches them within the test's minute came through the watch.
 */
class ChangePushTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private AgentHarness h;
  private ThreeNodes nodes;

  @BeforeEach
  void setUp() throws Exception {
    h = new AgentHarness();
    h.startServer(Optional.empty());
    nodes = new ThreeNodes(h);
    nodes.buildNetwork();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (h != null) {
      h.close();
    }
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  void policiesAndPeersArriveWithoutWaitingForTheSync() throws Exception {
    // Everything exists before the agents start: what appears later is only found by the next
    // (hourly) sync or scan.
    String web = h.createEntry(nodes.reserveAgentId(1), "/web", 0, "unix:uid:1001");
    h.createEntry(nodes.reserveAgentId(2), "/api", 0, "unix:uid:1002");
    nodes.startWorkload(1, "web", 1001, "serve", "9000");
    nodes.startWorkload(2, "api", 1002, "serve", "8080");
    AgentDaemon a = nodes.startAgent(1, "1h");
    Awaitility.await().atMost(WAIT).until(() -> a.handshake().isPresent()
        && a.handshake().get().installedWorkloads() == 1);
    AgentDaemon b = nodes.startAgent(2, "1h");
    // Node 2 allocated its handle after node 1's first reconciliation: node 1 hears of it.
    Awaitility.await().atMost(WAIT).until(() -> a.handshake().isPresent()
        && a.handshake().get().knownBindings() >= 2 && b.handshake().isPresent()
        && b.handshake().get().knownBindings() >= 2);

    long applied = h.applyPolicy("api.yaml", """
            name: api
            mode: enforce
            applies_to: {spiffe_id: spiffe://example.org/api}
            ingress:
              - from: [{spiffe_id: spiffe://example.org/web}]
                ports: [8080]
            """);
    AgentHarness.awaitPolicy(b, applied);
    assertThat(nodes.runClient(1, "web", 1001, Duration.ofSeconds(30), "connect", "10.197.0.2",
        "8080", "1", "2")).containsEntry("succeeded", 1);

    long closed = h.applyPolicy("api.yaml", """
            name: api
            mode: enforce
            applies_to: {spiffe_id: spiffe://example.org/api}
            ingress:
              - from: [{spiffe_id: spiffe://example.org/db}]
                ports: [8080]
            """);
    AgentHarness.awaitPolicy(b, closed);
    assertThat(nodes.runClient(1, "web", 1001, Duration.ofSeconds(30), "connect", "10.197.0.2",
        "8080", "1", "2")).containsEntry("failed", 1);

    // Deleting /web's entry withdraws its binding from node 2's kernel, also without a sync.
    h.deleteEntry(web);
    Awaitility.await().atMost(WAIT).until(() -> b.handshake().get().knownBindings() == 1);
  }
}
