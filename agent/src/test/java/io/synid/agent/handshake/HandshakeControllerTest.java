package io.synid.agent.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.synid.agent.TestPki;
import io.synid.agent.cache.AgentState;
import io.synid.agent.cache.WorkloadSvid;
import io.synid.api.audit.AuditLog;
import io.synid.api.node.v1.AllocateHandlesResponse;
import io.synid.api.node.v1.Flow;
import io.synid.api.node.v1.GetDirectoryResponse;
import io.synid.api.node.v1.GetPoliciesResponse;
import io.synid.api.node.v1.IdentityBinding;
import io.synid.api.node.v1.NodeKey;
import io.synid.api.node.v1.PolicyDocument;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.Status;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.selector.Selector;
import io.synid.core.x509.SigningAuthority;
import io.synid.handshake.HandshakeEvent;
import io.synid.handshake.NodeKeyPair;
import io.synid.handshake.PairwiseKeys;
import io.synid.handshake.Reason;
import io.synid.handshake.VerdictRule;
import io.synid.handshake.WorkloadMode;
import io.synid.handshake.Lifetime;
import io.synid.workloadattestor.WorkloadAttestation;
import io.synid.workloadattestor.WorkloadAttestor;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HandshakeController} against a fake datapath and a fake server: what it installs for a
 * directory, a policy set and local cgroups, and what it records for kernel decisions.
 */
class HandshakeControllerTest {
  private static final String WEB = "spiffe://example.org/web";
  private static final String API = "spiffe://example.org/api";
  private static final String DB = "spiffe://example.org/db";
  private static final int SELF = 1;
  private static final int PEER = 2;

  @TempDir Path tmp;
  private final FakeDatapath datapath = new FakeDatapath();
  private final FakeServer server = new FakeServer();
  private final NodeKeyPair key = NodeKeyPair.generate();
  private final NodeKeyPair peerKey = NodeKeyPair.generate();
  private Clock clock = Clock.fixed(Instant.parse("2026-11-24T12:00:00Z"), ZoneOffset.UTC);
  private AgentState state;
  private AuditLog audit;
  private Path auditFile;
  private HandshakeController controller;

  @BeforeEach
  void setUp() throws Exception {
    SigningAuthority ca = TestPki.ca("example.org");
    Entry api = TestPki.entry("e-api", API, 1, "unix:uid:1002");
    Entry db = TestPki.entry("e-db", DB, 1, "unix:uid:1003");
    Map<String, WorkloadSvid> svids = Map.of("e-api", TestPki.svid(ca, api), "e-db", TestPki.svid(ca, db));
    state = new AgentState(new TrustBundle(TestPki.trustDomain("example.org"),
        List.of(ca.certificate()), List.of(), 1, Duration.ZERO), Map.of(),
        Map.of("e-api", api, "e-db", db), svids, true);
    // Two workload cgroups on this node: api (pid 222) and db (pid 333); "empty" has no process.
    Path root = Files.createDirectories(tmp.resolve("cgroup"));
    Files.writeString(Files.createDirectories(root.resolve("api")).resolve("cgroup.procs"), "222\n");
    Files.writeString(Files.createDirectories(root.resolve("db")).resolve("cgroup.procs"), "333\n");
    Files.writeString(Files.createDirectories(root.resolve("empty")).resolve("cgroup.procs"), "");
    WorkloadAttestor unix = new WorkloadAttestor() {
      @Override
      public String name() {
        return "unix";
      }

      @Override
      public List<Selector> attest(int pid) {
        try {
          return List.of(Selector.of("unix", "uid:" + (pid == 222 ? 1002 : pid == 333 ? 1003 : 9)));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    };
    auditFile = tmp.resolve("audit.jsonl");
    audit = AuditLog.open(auditFile, clock);
    HandshakeSettings settings = new HandshakeSettings(root, List.of("10.0.0.1/32"),
        Lifetime.FAIL_OPEN, tmp.resolve("pins"), 3600, 30, List.of());
    controller = new HandshakeController(settings, datapath, key, server,
        new WorkloadAttestation(List.of(unix), Runnable::run), io.synid.agent.audit.AuditSink.of(audit), clock,
        () -> "spiffe://example.org/spire/agent/join_token/n1");
    // The directory: this node (1) hosts api and db, node 2 hosts web.
    server.nodes.add(NodeKey.newBuilder().setAgentId("spiffe://example.org/spire/agent/join_token/n1")
        .setNodeIndex(SELF).setX25519PublicKey(ByteString.copyFrom(key.publicKey()))
        .addAddresses("10.0.0.1/32").build());
    server.nodes.add(NodeKey.newBuilder().setAgentId("spiffe://example.org/spire/agent/join_token/n2")
        .setNodeIndex(PEER).setX25519PublicKey(ByteString.copyFrom(peerKey.publicKey()))
        .addAddresses("10.0.0.2/32").build());
    server.bind(PEER << 20 | 1, 10, WEB, PEER);
  }

  @Test
  void installsKeysRoutesBindingsIdentitiesVerdictsAndModes() throws Exception {
    server.policy("db-ingress", """
        name: db-ingress
        mode: enforce
        applies_to: {spiffe_id: spiffe://example.org/db}
        ingress:
          - from: [{spiffe_id: spiffe://example.org/api}]
            ports: [5432]
        """);
    controller.reconcile(state);

    assertThat(controller.nodeIndex()).isEqualTo(SELF);
    assertThat(server.registeredKey).isEqualTo(key.publicKey());
    int epoch = (int) (clock.instant().getEpochSecond() / 3600);
    // Keys for the previous, current and next epochs with both nodes (this one for local traffic).
    assertThat(datapath.peerKeys).containsExactlyInAnyOrder(
        List.of(SELF, (epoch - 1) & 0xff), List.of(SELF, epoch & 0xff), List.of(SELF, (epoch + 1) & 0xff),
        List.of(PEER, (epoch - 1) & 0xff), List.of(PEER, epoch & 0xff), List.of(PEER, (epoch + 1) & 0xff));
    assertThat(datapath.installedKeys.get(List.of(PEER, epoch & 0xff)).tx())
        .isEqualTo(PairwiseKeys.directional(key.sharedSecret(peerKey.publicKey()), SELF, PEER, epoch));
    assertThat(datapath.transmitEpoch).isEqualTo(epoch);
    assertThat(datapath.routes).containsExactlyInAnyOrder("10.0.0.1/32=1", "10.0.0.2/32=2");

    int apiHandle = server.handles.get(API).getHandle();
    int dbHandle = server.handles.get(DB).getHandle();
    int apiId = server.handles.get(API).getIdentity();
    int dbId = server.handles.get(DB).getIdentity();
    assertThat(datapath.local.values()).containsExactlyInAnyOrder(List.of(apiHandle, apiId), List.of(dbHandle, dbId));
    assertThat(datapath.bindings).containsKeys(apiHandle, dbHandle, PEER << 20 | 1);
    // db is enforced and admits api on 5432 only; api is protected by nothing: monitor.
    assertThat(datapath.verdicts).containsExactly(new VerdictRule(apiId, dbId, 5432, true));
    long dbCgroup = Files.readAttributes(tmp.resolve("cgroup/db"), "unix:ino").get("ino") instanceof Number n
        ? n.longValue() : -1;
    assertThat(datapath.modes).containsEntry(dbCgroup, WorkloadMode.ENFORCE);
    assertThat(datapath.modes.values()).containsExactlyInAnyOrder(WorkloadMode.ENFORCE, WorkloadMode.MONITOR);
    assertThat(controller.installedPolicyVersion()).isEqualTo(server.version);

    // A mode override wins over the policy's mode.
    server.version++;
    server.overrides.put(DB, "monitor");
    controller.reconcile(state);
    assertThat(datapath.modes).containsEntry(dbCgroup, WorkloadMode.MONITOR);
  }

  @Test
  void decisionsBecomeConnectionRecordsWithTheDecidingRuleAndFlows() throws Exception {
    server.policy("db-ingress", """
        name: db-ingress
        mode: enforce
        applies_to: {spiffe_id: spiffe://example.org/db}
        ingress:
          - from: [{spiffe_id: spiffe://example.org/api}]
            ports: [5432]
        """);
    controller.reconcile(state);
    int dbHandle = server.handles.get(DB).getHandle();
    int apiId = server.handles.get(API).getIdentity();
    long dbCgroup = (Long) Files.getAttribute(tmp.resolve("cgroup/db"), "unix:ino");

    InetAddress self = InetAddress.getByName("10.0.0.1");
    InetAddress peer = InetAddress.getByName("10.0.0.2");
    datapath.emit(new HandshakeEvent(1, dbCgroup, self, 5432, peer, 40000, dbHandle,
        server.handles.get(API).getHandle(), apiId, 333, HandshakeEvent.Kind.SYN,
        HandshakeEvent.Action.ALLOW, Reason.OK, 0));
    datapath.emit(new HandshakeEvent(2, dbCgroup, self, 5432, peer, 40001, dbHandle,
        PEER << 20 | 1, 10, 333, HandshakeEvent.Kind.SYN, HandshakeEvent.Action.DENY,
        Reason.DENIED_PAIR, 0));
    datapath.emit(new HandshakeEvent(3, dbCgroup, self, 5432, peer, 40002, dbHandle, 0, 0, 333,
        HandshakeEvent.Kind.SYN, HandshakeEvent.Action.DENY, Reason.BAD_TAG, 0));

    List<String> records = Files.readAllLines(auditFile).stream()
        .filter(l -> l.contains("\"event\":\"connection\"")).toList();
    assertThat(records).hasSize(3);
    assertThat(records.get(0)).contains("\"direction\":\"inbound\"", "\"verdict\":\"allowed\"",
        "\"reason\":\"policy:db-ingress#1\"", "\"mode\":\"enforce\"",
        "\"src\":{\"ip\":\"10.0.0.2\",\"port\":40000,\"spiffe_id\":\"" + API + "\"}",
        "\"spiffe_id\":\"" + DB + "\"", "\"policy_version\":" + server.version);
    assertThat(records.get(1)).contains("\"verdict\":\"denied\"", "\"reason\":\"default-deny\"",
        "\"spiffe_id\":\"" + WEB + "\"");
    assertThat(records.get(2)).contains("\"reason\":\"bad-mac\"").doesNotContain(WEB);

    controller.reconcile(state);
    assertThat(server.flows).extracting(Flow::getSourceSpiffeId, Flow::getDestinationSpiffeId,
        Flow::getPort, Flow::getAllowed, Flow::getDenied).containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(API, DB, 5432, 1L, 0L),
            org.assertj.core.groups.Tuple.tuple(WEB, DB, 5432, 0L, 1L),
            org.assertj.core.groups.Tuple.tuple("", DB, 5432, 0L, 1L));
  }

  @Test
  void nothingIsRewrittenWhenNothingChangedAndStaleStateIsRemoved() throws Exception {
    controller.reconcile(state);
    int writes = datapath.writes;
    controller.reconcile(state);
    assertThat(datapath.writes).isEqualTo(writes);

    // The db cgroup empties and node 2 leaves: its keys, route and binding go.
    Files.writeString(tmp.resolve("cgroup/db/cgroup.procs"), "");
    server.nodes.removeIf(n -> n.getNodeIndex() == PEER);
    server.bindings.removeIf(b -> b.getNodeIndex() == PEER);
    server.revision++;
    controller.reconcile(state);
    assertThat(datapath.peerKeys).allSatisfy(k -> assertThat(k.get(0)).isEqualTo(SELF));
    assertThat(datapath.routes).containsExactly("10.0.0.1/32=1");
    assertThat(datapath.bindings).doesNotContainKey(PEER << 20 | 1);
    assertThat(datapath.local).hasSize(1);
  }

  private static String ingress(String name, String protectedId, String from, int port) {
    return "name: " + name + "\nmode: enforce\napplies_to: {spiffe_id: " + protectedId + "}\n"
        + "ingress:\n  - from: [{spiffe_id: " + from + "}]\n    ports: [" + port + "]\n";
  }

  @Test
  void policyChangesArriveAsDifferencesFromTheInstalledVersion() throws Exception {
    server.policy("db-ingress", ingress("db-ingress", DB, API, 5432));
    server.policy("api-ingress", ingress("api-ingress", API, WEB, 8080));
    controller.reconcile(state);
    int apiId = server.handles.get(API).getIdentity();
    int dbId = server.handles.get(DB).getIdentity();
    assertThat(datapath.verdicts).containsExactlyInAnyOrder(new VerdictRule(apiId, dbId, 5432, true),
        new VerdictRule(10, apiId, 8080, true));
    assertThat(server.incrementalAnswers).isZero();

    // One policy changes, the other goes: the answer carries only the changed one.
    server.policy("db-ingress", ingress("db-ingress", DB, API, 5433));
    server.deletePolicy("api-ingress");
    controller.reconcile(state);
    assertThat(server.incrementalAnswers).isEqualTo(1);
    assertThat(datapath.verdicts).containsExactly(new VerdictRule(apiId, dbId, 5433, true));
    assertThat(controller.installedPolicyVersion()).isEqualTo(server.version);

    // A version without policy changes (a mode override) keeps every policy.
    server.version++;
    server.overrides.put(DB, "monitor");
    controller.reconcile(state);
    assertThat(datapath.verdicts).containsExactly(new VerdictRule(apiId, dbId, 5433, true));
    assertThat(controller.installedPolicyVersion()).isEqualTo(server.version);
  }

  @Test
  void aDifferenceNamingAPolicyTheAgentLacksFallsBackToTheWholeSet() throws Exception {
    server.policy("db-ingress", ingress("db-ingress", DB, API, 5432));
    controller.reconcile(state);
    // "api-ingress" claims a version the agent already has, so the difference leaves it out.
    server.policy("api-ingress", ingress("api-ingress", API, WEB, 8080));
    server.policyVersions.put("api-ingress", 1L);
    int calls = server.policyCalls;
    controller.reconcile(state);
    assertThat(server.policyCalls - calls).isEqualTo(2);
    int apiId = server.handles.get(API).getIdentity();
    assertThat(datapath.verdicts).contains(new VerdictRule(10, apiId, 8080, true));
    assertThat(controller.installedPolicyVersion()).isEqualTo(server.version);
  }

  @Test
  void anAnnouncedReconcileFetchesOnlyWhatTheNoticeSaysChanged() throws Exception {
    controller.reconcile(state);
    assertThat(server.directoryCalls).isEqualTo(1);
    assertThat(server.policyCalls).isEqualTo(1);

    // The first notice: its directory counter was never fetched against.
    server.policy("db-ingress", ingress("db-ingress", DB, API, 5432));
    controller.announced(notice(server.version, 5));
    controller.reconcileAnnounced(state);
    assertThat(server.directoryCalls).isEqualTo(2);
    assertThat(server.policyCalls).isEqualTo(2);
    int apiId = server.handles.get(API).getIdentity();
    int dbId = server.handles.get(DB).getIdentity();
    assertThat(datapath.verdicts).containsExactly(new VerdictRule(apiId, dbId, 5432, true));

    // A policy change alone: no directory call.
    server.policy("db-ingress", ingress("db-ingress", DB, API, 5433));
    controller.announced(notice(server.version, 5));
    controller.reconcileAnnounced(state);
    assertThat(server.directoryCalls).isEqualTo(2);
    assertThat(server.policyCalls).isEqualTo(3);
    assertThat(datapath.verdicts).containsExactly(new VerdictRule(apiId, dbId, 5433, true));

    // A directory change alone: no policy call.
    server.bind(PEER << 20 | 2, 11, "spiffe://example.org/other", PEER);
    controller.announced(notice(server.version, 6));
    controller.reconcileAnnounced(state);
    assertThat(server.directoryCalls).isEqualTo(3);
    assertThat(server.policyCalls).isEqualTo(3);
    assertThat(datapath.bindings).containsKey(PEER << 20 | 2);

    // The periodic sync asks for both (withdrawals move no counter).
    controller.reconcile(state);
    assertThat(server.directoryCalls).isEqualTo(4);
    assertThat(server.policyCalls).isEqualTo(4);
  }

  private static io.synid.api.node.v1.ChangeNotice notice(long policyVersion, long directoryCounter) {
    return io.synid.api.node.v1.ChangeNotice.newBuilder().setPolicyVersion(policyVersion)
        .setDirectoryCounter(directoryCounter).build();
  }

  /** Records what was installed, keyed as the kernel maps are. */
  private static final class FakeDatapath implements Datapath {
    final Map<Long, List<Integer>> local = new HashMap<>();
    final Map<Long, WorkloadMode> modes = new HashMap<>();
    final Set<List<Integer>> peerKeys = new HashSet<>();
    final Map<List<Integer>, PairwiseKeys> installedKeys = new HashMap<>();
    final Set<String> routes = new HashSet<>();
    final Map<Integer, List<Integer>> bindings = new HashMap<>();
    Collection<VerdictRule> verdicts = List.of();
    Collection<io.synid.handshake.CidrRule> cidrRules = List.of();
    int transmitEpoch = -1;
    int writes;
    private final List<Consumer<HandshakeEvent>> listeners = new ArrayList<>();

    void emit(HandshakeEvent e) {
      listeners.forEach(l -> l.accept(e));
    }

    @Override
    public void setLocalIdentity(long cgroupId, int handle, int identity) {
      writes += List.of(handle, identity).equals(local.put(cgroupId, List.of(handle, identity))) ? 0 : 1;
    }

    @Override
    public void removeLocalIdentity(long cgroupId) {
      local.remove(cgroupId);
      writes++;
    }

    @Override
    public void setMode(long cgroupId, WorkloadMode mode) {
      writes += mode.equals(modes.put(cgroupId, mode)) ? 0 : 1;
    }

    @Override
    public void setPeerKeys(PairwiseKeys keys) {
      peerKeys.add(List.of(keys.peerNode(), keys.keyId()));
      installedKeys.put(List.of(keys.peerNode(), keys.keyId()), keys);
      writes++;
    }

    @Override
    public void removePeerKeys(int peerNode, int epoch) {
      peerKeys.remove(List.of(peerNode, epoch & 0xff));
      writes++;
    }

    @Override
    public void setTransmitEpoch(int epoch) {
      transmitEpoch = epoch;
    }

    @Override
    public void setPeerNode(InetAddress prefix, int prefixLength, int node) {
      routes.add(prefix.getHostAddress() + "/" + prefixLength + "=" + node);
      writes++;
    }

    @Override
    public void removePeerNode(InetAddress prefix, int prefixLength) {
      routes.removeIf(r -> r.startsWith(prefix.getHostAddress() + "/" + prefixLength + "="));
      writes++;
    }

    @Override
    public void setBinding(int handle, int identity, int node) {
      writes += List.of(identity, node).equals(bindings.put(handle, List.of(identity, node))) ? 0 : 1;
    }

    @Override
    public void removeBinding(int handle) {
      bindings.remove(handle);
      writes++;
    }

    @Override
    public void setVerdicts(Collection<VerdictRule> rules) {
      writes += new HashSet<>(rules).equals(new HashSet<>(verdicts)) ? 0 : 1;
      verdicts = List.copyOf(rules);
    }

    @Override
    public void setCidrRules(Collection<io.synid.handshake.CidrRule> rules) {
      cidrRules = List.copyOf(rules);
    }

    @Override
    public void addEventListener(Consumer<HandshakeEvent> listener) {
      listeners.add(listener);
    }

    @Override
    public void close() {}
  }

  /** The server's Node service as the controller sees it. */
  private static final class FakeServer implements NodeApi {
    byte[] registeredKey;
    final List<NodeKey> nodes = new ArrayList<>();
    final List<IdentityBinding> bindings = new ArrayList<>();
    final Map<String, AllocateHandlesResponse.Result> handles = new HashMap<>();
    final Map<String, String> policies = new HashMap<>();
    /** Each policy's version: the set version in which it last changed. */
    final Map<String, Long> policyVersions = new HashMap<>();
    int directoryCalls;
    int policyCalls;
    int incrementalAnswers;
    /** Answers incrementally with the policy versions as they are (false: always the whole set). */
    boolean incremental = true;
    final Map<String, String> overrides = new HashMap<>();
    final List<Flow> flows = new ArrayList<>();
    long revision = 1;
    long version = 1;
    private int nextIdentity = 100;

    void bind(int handle, int identity, String spiffeId, int node) {
      bindings.add(IdentityBinding.newBuilder().setHandle(handle).setIdentity(identity)
          .setSpiffeId(spiffeId).setNodeIndex(node).build());
      revision++;
    }

    void policy(String name, String yaml) {
      policies.put(name, yaml);
      version++;
      policyVersions.put(name, version);
    }

    void deletePolicy(String name) {
      policies.remove(name);
      policyVersions.remove(name);
      version++;
    }

    @Override
    public int registerHandshakeKey(byte[] publicKey, List<String> addresses) {
      registeredKey = publicKey;
      return SELF;
    }

    @Override
    public List<AllocateHandlesResponse.Result> allocateHandles(Collection<String> spiffeIds) {
      List<AllocateHandlesResponse.Result> out = new ArrayList<>();
      for (String id : spiffeIds) {
        AllocateHandlesResponse.Result r = handles.computeIfAbsent(id, k -> {
          int identity = nextIdentity++;
          int handle = SELF << 20 | identity;
          bind(handle, identity, k, SELF);
          return AllocateHandlesResponse.Result.newBuilder().setStatus(Status.newBuilder().setCode(0))
              .setSpiffeId(k).setHandle(handle).setIdentity(identity).build();
        });
        out.add(r);
      }
      return out;
    }

    @Override
    public GetDirectoryResponse directory(long knownRevision) {
      directoryCalls++;
      if (knownRevision == revision) {
        return GetDirectoryResponse.newBuilder().setRevision(revision).setUnchanged(true).build();
      }
      return GetDirectoryResponse.newBuilder().setRevision(revision).addAllNodes(nodes)
          .addAllBindings(bindings).build();
    }

    @Override
    public GetPoliciesResponse policies(long knownVersion, boolean acceptsChanges) {
      policyCalls++;
      if (knownVersion == version) {
        return GetPoliciesResponse.newBuilder().setVersion(version).setUnchanged(true).build();
      }
      GetPoliciesResponse.Builder b = GetPoliciesResponse.newBuilder().setVersion(version)
          .putAllModeOverrides(overrides);
      boolean difference = incremental && acceptsChanges && knownVersion > 0;
      if (difference) {
        incrementalAnswers++;
        b.setIncremental(true).addAllCurrentNames(policies.keySet());
      }
      policies.forEach((name, yaml) -> {
        if (!difference || policyVersions.get(name) > knownVersion) {
          b.addPolicies(PolicyDocument.newBuilder().setName(name).setYaml(yaml)
              .setVersion(policyVersions.get(name)));
        }
      });
      return b.build();
    }

    @Override
    public void reportFlows(List<Flow> reported) {
      flows.addAll(reported);
    }
  }
}
