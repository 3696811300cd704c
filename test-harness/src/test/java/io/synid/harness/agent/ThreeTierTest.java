package io.synid.harness.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.agent.AgentDaemon;
import io.synid.api.node.v1.Flow;
import io.synid.api.policy.v1.AcceptSuggestionRequest;
import io.synid.api.policy.v1.ApplyPoliciesResponse;
import io.synid.api.policy.v1.ListFlowsRequest;
import io.synid.api.policy.v1.SuggestPoliciesRequest;
import io.synid.api.policy.v1.SuggestPoliciesResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The product end to end on a three-tier example: web (node 1, uid 1001) -> api (node 2, uid
 * 1002, port 8080) -> db (node 3, uid 1003, port 5432), each workload a plain TCP process whose
 * identity travels in the handshake. Learn in monitor mode, suggest, accept, enforce: allowed
 * paths work, every other path is refused in the kernel and audited with the deciding reason.
 */
class ThreeTierTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String WEB = "spiffe://example.org/web";
  private static final String API = "spiffe://example.org/api";
  private static final String DB = "spiffe://example.org/db";

  private AgentHarness h;
  private ThreeNodes nodes;

  @BeforeEach
  void setUp() throws Exception {
    h = new AgentHarness();
    h.startServer(Optional.empty());
    nodes = new ThreeNodes(h);
    nodes.buildNetwork();
    for (int i = 1; i <= 3; i++) {
      nodes.startAgent(i);
    }
    h.createEntry(nodes.agentId(1), "/web", 0, "unix:uid:1001");
    h.createEntry(nodes.agentId(2), "/api", 0, "unix:uid:1002");
    h.createEntry(nodes.agentId(3), "/db", 0, "unix:uid:1003");
    nodes.startWorkload(1, "web", 1001, "serve", "9000");
    nodes.startWorkload(2, "api", 1002, "serve", "8080");
    nodes.startWorkload(3, "db", 1003, "serve", "5432");
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

  private Map<String, Object> connect(int node, String workload, int uid, int targetNode, int port,
      int count) throws Exception {
    return nodes.runClient(node, workload, uid, Duration.ofSeconds(60), "connect",
        ThreeNodes.ADDRESSES.get(targetNode - 1), Integer.toString(port), Integer.toString(count), "2");
  }

  private List<String> connectionRecords(int node) throws Exception {
    Path audit = h.dir.resolve("agent" + node).resolve("audit.jsonl");
    return Files.readAllLines(audit).stream().filter(l -> l.contains("\"event\":\"connection\""))
        .toList();
  }

  /** Waits until every agent has installed identities for its workload and knows the others. */
  private void awaitDatapaths() {
    Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
      for (AgentDaemon agent : nodes.agents) {
        if (agent.handshake().isEmpty() || agent.handshake().get().installedWorkloads() != 1
            || agent.handshake().get().knownBindings() < 3) {
          return false;
        }
      }
      return true;
    });
  }

  @Test
  void learnSuggestAcceptEnforce() throws Exception {
    awaitDatapaths();

    // Learning: no policy, every workload in monitor mode; the legitimate paths are used.
    assertThat(connect(1, "web", 1001, 2, 8080, 3)).containsEntry("succeeded", 3);
    assertThat(connect(2, "api", 1002, 3, 5432, 3)).containsEntry("succeeded", 3);
    // The receiving node saw the caller's identity in the handshake, would have denied it.
    Awaitility.await().atMost(WAIT).until(() -> connectionRecords(2).stream().anyMatch(r ->
        r.contains("\"src\":{\"ip\":\"10.197.0.1\"") && r.contains(WEB) && r.contains(API)
            && r.contains("\"would_deny\":true")));

    // The flows reach the server; the suggestion allows exactly what was seen.
    Awaitility.await().atMost(WAIT).until(() -> h.flows().listFlows(ListFlowsRequest
        .getDefaultInstance()).getFlowsCount() >= 2);
    List<Flow> flows = h.flows().listFlows(ListFlowsRequest.getDefaultInstance()).getFlowsList();
    assertThat(flows).extracting(Flow::getSourceSpiffeId, Flow::getDestinationSpiffeId, Flow::getPort)
        .contains(org.assertj.core.groups.Tuple.tuple(WEB, API, 8080),
            org.assertj.core.groups.Tuple.tuple(API, DB, 5432));
    SuggestPoliciesResponse suggestion = h.policies().suggestPolicies(SuggestPoliciesRequest
        .newBuilder().setMode("enforce").build());
    assertThat(suggestion.getYaml()).contains(API, DB, "8080", "5432");
    ApplyPoliciesResponse accepted = h.policies().acceptSuggestion(AcceptSuggestionRequest
        .newBuilder().setSuggestionId(suggestion.getSuggestionId()).build());
    Awaitility.await().atMost(WAIT).until(() -> nodes.agents.stream().allMatch(a ->
        a.handshake().get().installedPolicyVersion() == accepted.getVersion()));

    // Enforcement: the allowed paths work ...
    assertThat(connect(1, "web", 1001, 2, 8080, 2)).containsEntry("succeeded", 2);
    assertThat(connect(2, "api", 1002, 3, 5432, 2)).containsEntry("succeeded", 2);
    // ... and every other path is refused in the kernel and audited with the deciding reason.
    assertThat(connect(1, "web", 1001, 3, 5432, 1)).containsEntry("failed", 1);
    Awaitility.await().atMost(WAIT).until(() -> connectionRecords(3).stream().anyMatch(r ->
        r.contains("\"verdict\":\"denied\"") && r.contains(WEB) && r.contains(DB)
            && r.contains("\"reason\":\"default-deny\"") && r.contains("\"mode\":\"enforce\"")));
    assertThat(connect(3, "db", 1003, 2, 8080, 1)).containsEntry("failed", 1);
    assertThat(connectionRecords(2)).anyMatch(r -> r.contains("\"verdict\":\"denied\"")
        && r.contains(DB) && r.contains(API));
    // An allowed connection names the rule that allowed it.
    assertThat(connectionRecords(3)).anyMatch(r -> r.contains("\"verdict\":\"allowed\"")
        && r.contains(API) && r.contains("\"reason\":\"policy:"));
    // Every node's records reach the server too, each exactly once.
    for (int node = 1; node <= 3; node++) {
      String agentId = nodes.agentId(node);
      long local = Files.readAllLines(h.dir.resolve("agent" + node).resolve("audit.jsonl")).size();
      Awaitility.await().atMost(WAIT).until(() ->
          h.server().datastore().forwardedAudit().count(agentId) >= local);
    }
  }

  @Test
  void aPolicyChangeReachesTheKernelAndNeverBreaksEstablishedConnections() throws Exception {
    awaitDatapaths();
    long first = h.applyPolicy("db.yaml", """
            name: db
            mode: enforce
            applies_to: {spiffe_id: spiffe://example.org/db}
            ingress:
              - from: [{spiffe_id: spiffe://example.org/api}]
                ports: [5432]
            """);
    AgentHarness.awaitPolicy(nodes.agents.get(2), first);
    // An established api -> db connection, held for 8 seconds across the change.
    Path holdOut = h.dir.resolve("hold.out");
    Process hold = h.start(-1, holdOut, "sh", "-c", "echo $$ > "
        + nodes.nodeCgroup(2).resolve("api").resolve("cgroup.procs") + " && exec ip netns exec "
        + ThreeNodes.ns(2) + " setpriv --reuid=1002 --regid=1002 --clear-groups "
        + nodes.workloadScript + " hold 10.197.0.3 5432 8");
    Thread.sleep(2000);
    long second = h.applyPolicy("db.yaml", """
            name: db
            mode: enforce
            applies_to: {spiffe_id: spiffe://example.org/db}
            ingress:
              - from: [{spiffe_id: spiffe://example.org/web}]
                ports: [5432]
            """);
    AgentHarness.awaitPolicy(nodes.agents.get(2), second);
    assertThat(connect(2, "api", 1002, 3, 5432, 1)).containsEntry("failed", 1);
    assertThat(connect(1, "web", 1001, 3, 5432, 1)).containsEntry("succeeded", 1);
    hold.waitFor();
    assertThat(AgentHarness.json(Files.readString(holdOut))).containsEntry("broken", 0)
        .containsEntry("lines", 8);
  }

  /** A client with no identity: in the node's namespace but outside every workload cgroup. */
  private Map<String, Object> connectUnauthenticated(int node, int targetNode, int port)
      throws Exception {
    return AgentHarness.json(h.run(-1, Duration.ofSeconds(30), "ip", "netns", "exec",
        ThreeNodes.ns(node), nodes.workloadScript.toString(), "connect",
        ThreeNodes.ADDRESSES.get(targetNode - 1), Integer.toString(port), "1", "2"));
  }

  @Test
  void unauthenticatedPeersAreRefusedUnlessACidrRuleAllowsThem() throws Exception {
    awaitDatapaths();
    long applied = h.applyPolicy("api.yaml", """
            name: api
            mode: enforce
            applies_to: {spiffe_id: spiffe://example.org/api}
            ingress:
              - from: [{spiffe_id: spiffe://example.org/web}]
                ports: [8080]
              - from: [{unauthenticated: {cidr: 10.197.0.1/32}}]
                ports: [8080]
            """);
    AgentHarness.awaitPolicy(nodes.agents.get(1), applied);
    assertThat(connect(1, "web", 1001, 2, 8080, 1)).containsEntry("succeeded", 1);
    // From node 1's address without identity: the CIDR rule admits it on 8080 ...
    assertThat(connectUnauthenticated(1, 2, 8080)).containsEntry("succeeded", 1);
    // ... but from node 3's address, no rule: refused and audited as no-identity.
    assertThat(connectUnauthenticated(3, 2, 8080)).containsEntry("failed", 1);
    Awaitility.await().atMost(WAIT).until(() -> connectionRecords(2).stream().anyMatch(r ->
        r.contains("\"src\":{\"ip\":\"10.197.0.3\"") && r.contains("\"verdict\":\"denied\"")
            && r.contains("\"reason\":\"no-identity\"")));
    assertThat(connectionRecords(2)).anyMatch(r -> r.contains("\"src\":{\"ip\":\"10.197.0.1\"")
        && r.contains("\"verdict\":\"allowed\"") && r.contains("\"reason\":\"policy:api#2\""));
  }
}
