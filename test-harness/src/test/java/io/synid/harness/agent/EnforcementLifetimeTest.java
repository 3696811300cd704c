package io.synid.harness.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.api.policy.v1.ApplyPoliciesRequest;
import io.synid.api.policy.v1.ApplyPoliciesResponse;
import io.synid.handshake.HandshakeDatapath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Enforcement outlives its controllers: with a fail-closed datapath, killing the db node's agent
 * (SIGKILL) and stopping the identity server leave the kernel enforcing the last policy; both
 * come back, the agent adopts the pinned datapath, catches up with a new policy, and its audit
 * trail has every sequence number exactly once across the kill.
 */
class EnforcementLifetimeTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

  private AgentHarness h;
  private ThreeNodes nodes;
  private Path bpffs;

  @BeforeEach
  void setUp() throws Exception {
    h = new AgentHarness();
    bpffs = Files.createTempDirectory("synid-e2e-bpffs");
    ThreeNodes.run("mount", "-t", "bpf", "bpf", bpffs.toString());
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
    HandshakeDatapath.removePinned(bpffs.resolve("n3"));
    ThreeNodes.run("umount", bpffs.toString());
    Files.deleteIfExists(bpffs);
  }

  private Map<String, Object> connect(int node, String workload, int uid, int port) throws Exception {
    return nodes.runClient(node, workload, uid, Duration.ofSeconds(30), "connect",
        ThreeNodes.ADDRESSES.get(2), Integer.toString(port), "1", "2");
  }

  private Path auditOf3() {
    return h.dir.resolve("agent3").resolve("audit.jsonl");
  }

  private void awaitPolicyOn3(long version) {
    Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() ->
        Files.exists(auditOf3()) && Files.readAllLines(auditOf3()).stream().anyMatch(l ->
            l.contains("\"event\":\"datapath_updated\"") && l.contains("\"workloads\":1")
                && l.contains("\"policy_version\":" + version + ",")));
  }

  private ApplyPoliciesResponse dbAdmits(String... sources) {
    StringBuilder from = new StringBuilder();
    for (String s : sources) {
      from.append("      - spiffe_id: spiffe://example.org/").append(s).append('\n');
    }
    return h.policies().applyPolicies(ApplyPoliciesRequest.newBuilder().setSourceName("db.yaml")
        .setYaml("name: db\nmode: enforce\napplies_to: {spiffe_id: spiffe://example.org/db}\n"
            + "ingress:\n  - ports: [5432]\n    from:\n" + from).build());
  }

  @Test
  void theKernelKeepsEnforcingWithoutAgentOrServerAndNoAuditRecordIsLostOrDoubled()
      throws Exception {
    nodes.startAgent(1);
    nodes.startAgent(2);
    Process agent3 = nodes.startAgentProcess(3, bpffs.resolve("n3"));
    h.createEntry(nodes.agentId(1), "/web", 0, "unix:uid:1001");
    h.createEntry(nodes.agentId(2), "/api", 0, "unix:uid:1002");
    h.createEntry(nodes.agentId(3), "/db", 0, "unix:uid:1003");
    nodes.startWorkload(1, "web", 1001, "serve", "9000");
    nodes.startWorkload(2, "api", 1002, "serve", "8080");
    nodes.startWorkload(3, "db", 1003, "serve", "5432");
    awaitPolicyOn3(0);
    Awaitility.await().atMost(WAIT).until(() -> nodes.agents.stream().allMatch(a ->
        a.handshake().isPresent() && a.handshake().get().knownBindings() >= 3));

    ApplyPoliciesResponse first = dbAdmits("api");
    awaitPolicyOn3(first.getVersion());
    assertThat(connect(2, "api", 1002, 5432)).containsEntry("succeeded", 1);
    assertThat(connect(1, "web", 1001, 5432)).containsEntry("failed", 1);

    // The db node's agent is killed and the identity server stops: the kernel still enforces.
    agent3.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    h.stopServer();
    assertThat(bpffs.resolve("n3").resolve("link_synid_ingress")).exists();
    assertThat(connect(2, "api", 1002, 5432)).containsEntry("succeeded", 1);
    assertThat(connect(1, "web", 1001, 5432)).containsEntry("failed", 1);

    // Both return; the agent adopts the pinned datapath and catches up with a new policy.
    h.startServer(Optional.empty());
    nodes.restartAgentProcess(3);
    ApplyPoliciesResponse second = dbAdmits("api", "web");
    awaitPolicyOn3(second.getVersion());
    assertThat(connect(1, "web", 1001, 5432)).containsEntry("succeeded", 1);
    assertThat(connect(2, "api", 1002, 5432)).containsEntry("succeeded", 1);

    // Every record of the db node's agent, across the kill: each sequence number exactly once.
    Awaitility.await().atMost(WAIT).until(() -> Files.readString(auditOf3())
        .contains("\"dst\":{\"ip\":\"10.197.0.3\",\"port\":5432,\"spiffe_id\":"
            + "\"spiffe://example.org/db\""));
    List<Long> seqs = Files.readAllLines(auditOf3()).stream().map(l -> {
      Matcher m = SEQ.matcher(l);
      return m.find() ? Long.parseLong(m.group(1)) : -1L;
    }).toList();
    assertThat(seqs).doesNotContain(-1L).doesNotHaveDuplicates().isSorted();
    assertThat(seqs.get(seqs.size() - 1)).isEqualTo(seqs.size());
    // And the server has them all, once.
    Awaitility.await().atMost(WAIT).until(() ->
        h.server().datastore().forwardedAudit().count(nodes.agentId(3)) >= seqs.size());
  }
}
