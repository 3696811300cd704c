package io.synid.server.agentapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.synid.api.node.v1.AllocateHandlesRequest;
import io.synid.api.node.v1.AllocateHandlesResponse;
import io.synid.api.node.v1.ChangeNotice;
import io.synid.api.node.v1.Flow;
import io.synid.api.node.v1.ForwardAuditRequest;
import io.synid.api.node.v1.GetDirectoryRequest;
import io.synid.api.node.v1.GetDirectoryResponse;
import io.synid.api.node.v1.GetPoliciesRequest;
import io.synid.api.node.v1.GetPoliciesResponse;
import io.synid.api.node.v1.IdentityBinding;
import io.synid.api.node.v1.NodeGrpc;
import io.synid.api.node.v1.NodeKey;
import io.synid.api.node.v1.RegisterHandshakeKeyRequest;
import io.synid.api.node.v1.ReportFlowsRequest;
import io.synid.api.node.v1.WatchChangesRequest;
import io.synid.api.policy.v1.ApplyPoliciesRequest;
import io.synid.api.policy.v1.PolicyGrpc;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.CreateJoinTokenRequest;
import io.synid.core.selector.Selector;
import io.synid.core.x509.KeyType;
import io.synid.nodeattestor.jointoken.JoinTokenClient;
import io.synid.server.IdentityServer;
import io.synid.server.TestServers;
import io.synid.server.datastore.DatastoreConfig;
import io.synid.server.datastore.FlowStore;
import io.synid.server.datastore.TestDatastores;
import io.synid.server.entry.RegistrationEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** synid.api.node.v1.Node over the real agent API (TLS, agent SVIDs) of a real server. */
class NodeServiceTest {
  private static final String TD = "spiffe://example.org";

  @TempDir Path tmp;
  private IdentityServer server;
  private ManagedChannel admin;
  private final List<ManagedChannel> channels = new ArrayList<>();

  static List<DatastoreConfig.Kind> kinds() {
    return TestDatastores.kinds();
  }

  private void start(DatastoreConfig.Kind kind) throws Exception {
    server = TestServers.start(tmp, kind);
    admin = TestServers.channel(server.settings().adminSocket());
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (admin != null) {
      admin.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  /** An attested join-token agent: its ID and a Node stub over its mTLS channel. */
  private record Agent(String id, NodeGrpc.NodeBlockingStub node, ManagedChannel channel) {}

  private ManagedChannel channel(KeyPair key, List<X509Certificate> svid) throws Exception {
    Supplier<List<X509Certificate>> roots = () -> {
      try {
        return server.ca().bundle().x509Authorities();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    ManagedChannel c = AgentApiClient.channel(server.agentApiPort(), roots,
        new AgentApiClient.SeenServer(), key, svid);
    channels.add(c);
    return c;
  }

  private Agent agent() throws Throwable {
    String token = AgentGrpc.newBlockingStub(admin)
        .createJoinToken(CreateJoinTokenRequest.newBuilder().setTtl(600).build()).getValue();
    KeyPair key = KeyType.EC_P256.generate();
    var result = AgentApiClient.attest(channel(null, null), new JoinTokenClient(token), key);
    List<X509Certificate> svid = AgentApiClient.certificates(result.getSvid().getCertChainList());
    ManagedChannel channel = channel(key, svid);
    return new Agent(TD + "/spire/agent/join_token/" + token, NodeGrpc.newBlockingStub(channel),
        channel);
  }

  private RegistrationEntry entry(String spiffeId, String parentId, Selector... selectors) throws Exception {
    return server.datastore().entries().create(new RegistrationEntry("", spiffeId, parentId,
        List.of(selectors), 0, 0, List.of(), false, false, 0, List.of(), 0, false, "", 0));
  }

  private static ByteString key(int seed) {
    byte[] k = new byte[32];
    for (int i = 0; i < 32; i++) {
      k[i] = (byte) (seed + i * 3 + 9);
    }
    return ByteString.copyFrom(k);
  }

  private static RegisterHandshakeKeyRequest register(ByteString key, String... addresses) {
    return RegisterHandshakeKeyRequest.newBuilder().setX25519PublicKey(key).addAllAddresses(List.of(addresses)).build();
  }

  private static Status.Code code(Throwable t) {
    return Status.fromThrowable(t).getCode();
  }

  private List<JsonNode> audit(String event) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(server.settings().auditFile())) {
      JsonNode r = json.readTree(line);
      if (r.path("event").asText().equals(event)) {
        out.add(r);
      }
    }
    return out;
  }

  @Test
  void keysAreValidatedAndNodeIndexesAllocatedOnce() throws Throwable {
    start(DatastoreConfig.Kind.SQLITE);
    Agent a = agent();
    Agent b = agent();

    assertThatThrownBy(() -> a.node().registerHandshakeKey(register(ByteString.copyFrom(new byte[31]))))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessage("INVALID_ARGUMENT: x25519_public_key must be 32 bytes, not 31");
    assertThatThrownBy(() -> a.node().registerHandshakeKey(register(ByteString.copyFrom(new byte[32]))))
        .hasMessage("INVALID_ARGUMENT: x25519_public_key is a point of small order");
    assertThatThrownBy(() -> a.node().registerHandshakeKey(register(key(1), "10.0.0.1/32", "10.0.0.1/24")))
        .hasMessage("INVALID_ARGUMENT: addresses[1]: invalid CIDR \"10.0.0.1/24\": host bits are set: did you"
            + " mean 10.0.0.0/24?");
    assertThatThrownBy(() -> a.node().registerHandshakeKey(register(key(1), "db.internal/32")))
        .hasMessage("INVALID_ARGUMENT: addresses[0]: invalid CIDR \"db.internal/32\": not an IPv4 or IPv6 address");
    assertThat(server.datastore().directory().node(a.id())).isEmpty();

    assertThat(a.node().registerHandshakeKey(register(key(1), "10.0.0.1/32")).getNodeIndex()).isEqualTo(1);
    assertThat(b.node().registerHandshakeKey(register(key(2), "10.0.0.2/32")).getNodeIndex()).isEqualTo(2);
    assertThat(a.node().registerHandshakeKey(register(key(3), "10.0.0.1/32", "fd00::1/128")).getNodeIndex())
        .isEqualTo(1);

    GetDirectoryResponse d = b.node().getDirectory(GetDirectoryRequest.getDefaultInstance());
    assertThat(d.getRevision()).isPositive();
    assertThat(d.getNodesList()).extracting(NodeKey::getAgentId, NodeKey::getNodeIndex, NodeKey::getX25519PublicKey)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(a.id(), 1, key(3)),
            org.assertj.core.groups.Tuple.tuple(b.id(), 2, key(2)));
    assertThat(d.getNodes(0).getAddressesList()).containsExactly("10.0.0.1/32", "fd00:0:0:0:0:0:0:1/128");
    assertThat(b.node().getDirectory(GetDirectoryRequest.newBuilder()
        .setKnownRevision(d.getRevision()).build()))
        .isEqualTo(GetDirectoryResponse.newBuilder().setRevision(d.getRevision()).setUnchanged(true)
            .build());

    assertThat(audit("handshake_key")).extracting(r -> r.path("agent_id").asText(), r -> r.path("status").asText(),
            r -> r.path("outcome").asText())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(a.id(), "INVALID_ARGUMENT", ""),
            org.assertj.core.groups.Tuple.tuple(a.id(), "INVALID_ARGUMENT", ""),
            org.assertj.core.groups.Tuple.tuple(a.id(), "INVALID_ARGUMENT", ""),
            org.assertj.core.groups.Tuple.tuple(a.id(), "INVALID_ARGUMENT", ""),
            org.assertj.core.groups.Tuple.tuple(a.id(), "OK", "created"),
            org.assertj.core.groups.Tuple.tuple(b.id(), "OK", "created"),
            org.assertj.core.groups.Tuple.tuple(a.id(), "OK", "replaced"));
    assertThat(audit("handshake_key").get(6).path("public_key").asText())
        .isEqualTo(HexFormat.of().formatHex(key(3).toByteArray()));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void handlesOnlyForIdentitiesTheAgentMayHost(DatastoreConfig.Kind kind) throws Throwable {
    start(kind);
    Agent a = agent();
    Agent b = agent();
    entry(TD + "/web", a.id(), new Selector("unix", "uid:1000"));
    entry(TD + "/web", b.id(), new Selector("k8s", "ns:web"));
    RegistrationEntry db = entry(TD + "/db", b.id(), new Selector("unix", "uid:999"));

    assertThatThrownBy(() -> a.node().allocateHandles(AllocateHandlesRequest.newBuilder()
        .addSpiffeIds(TD + "/web").build()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.FAILED_PRECONDITION))
        .hasMessage("FAILED_PRECONDITION: the agent has no handshake key: call RegisterHandshakeKey first");
    a.node().registerHandshakeKey(register(key(1)));
    b.node().registerHandshakeKey(register(key(2)));

    AllocateHandlesResponse r = a.node().allocateHandles(AllocateHandlesRequest.newBuilder()
        .addSpiffeIds(TD + "/web").addSpiffeIds(TD + "/db").addSpiffeIds("spiffe://example.org/web/")
        .addSpiffeIds(TD + "/web").addSpiffeIds("").build());
    assertThat(r.getResultsList()).extracting(x -> Status.fromCodeValue(x.getStatus().getCode()).getCode(),
            x -> x.getStatus().getMessage())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Status.Code.OK, "OK"),
            org.assertj.core.groups.Tuple.tuple(Status.Code.PERMISSION_DENIED,
                "not the SPIFFE ID of an entry this agent is authorized for"),
            org.assertj.core.groups.Tuple.tuple(Status.Code.INVALID_ARGUMENT,
                "invalid SPIFFE ID: path cannot have a trailing slash"),
            org.assertj.core.groups.Tuple.tuple(Status.Code.INVALID_ARGUMENT, "SPIFFE ID specified more than once"),
            org.assertj.core.groups.Tuple.tuple(Status.Code.INVALID_ARGUMENT, "missing SPIFFE ID"));
    int webOnA = r.getResults(0).getHandle();
    int webIdentity = r.getResults(0).getIdentity();
    assertThat(webOnA).isEqualTo(1 << 20 | 1);

    AllocateHandlesResponse onB = b.node().allocateHandles(AllocateHandlesRequest.newBuilder()
        .addSpiffeIds(TD + "/db").addSpiffeIds(TD + "/web").build());
    assertThat(onB.getResultsList()).allMatch(x -> x.getStatus().getCode() == 0);
    assertThat(onB.getResults(1).getIdentity()).as("one identity number per SPIFFE ID").isEqualTo(webIdentity);
    assertThat(onB.getResults(1).getHandle()).isEqualTo(2 << 20 | 2);
    // Stable across calls.
    assertThat(a.node().allocateHandles(AllocateHandlesRequest.newBuilder().addSpiffeIds(TD + "/web").build())
        .getResults(0).getHandle()).isEqualTo(webOnA);

    GetDirectoryResponse d = a.node().getDirectory(GetDirectoryRequest.getDefaultInstance());
    assertThat(d.getBindingsList()).extracting(IdentityBinding::getHandle, IdentityBinding::getSpiffeId,
            IdentityBinding::getNodeIndex)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1 << 20 | 1, TD + "/web", 1),
            org.assertj.core.groups.Tuple.tuple(2 << 20 | 1, TD + "/db", 2),
            org.assertj.core.groups.Tuple.tuple(2 << 20 | 2, TD + "/web", 2));
    assertThat(d.getBindings(0).getSelectorsList()).extracting(s -> s.getType() + ":" + s.getValue())
        .containsExactly("k8s:ns:web", "unix:uid:1000");
    assertThat(a.node().getDirectory(GetDirectoryRequest.newBuilder()
        .setKnownRevision(d.getRevision()).build()).getUnchanged()).isTrue();

    // Deleting the entry withdraws its identity from the directory (a new revision), once the
    // server's one-second reading of the directory has been renewed.
    server.datastore().entries().delete(db.id());
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
        !a.node().getDirectory(GetDirectoryRequest.newBuilder().setKnownRevision(d.getRevision())
            .build()).getUnchanged());
    GetDirectoryResponse afterDelete = a.node().getDirectory(GetDirectoryRequest.newBuilder()
        .setKnownRevision(d.getRevision()).build());
    assertThat(afterDelete.getUnchanged()).isFalse();
    assertThat(afterDelete.getRevision()).isNotEqualTo(d.getRevision());
    assertThat(afterDelete.getBindingsList()).extracting(IdentityBinding::getSpiffeId)
        .containsExactly(TD + "/web", TD + "/web");

    List<JsonNode> records = audit("identity_handles");
    assertThat(records).hasSize(3);
    assertThat(records.get(0).path("handles").get(0).path("spiffe_id").asText()).isEqualTo(TD + "/web");
    assertThat(records.get(0).path("handles").get(0).path("created").asBoolean()).isTrue();
    assertThat(records.get(0).path("refused")).extracting(JsonNode::toString).containsExactly(
        "{\"spiffe_id\":\"spiffe://example.org/db\",\"status\":\"PERMISSION_DENIED\",\"status_message\":"
            + "\"not the SPIFFE ID of an entry this agent is authorized for\"}",
        "{\"spiffe_id\":\"spiffe://example.org/web/\",\"status\":\"INVALID_ARGUMENT\",\"status_message\":"
            + "\"invalid SPIFFE ID: path cannot have a trailing slash\"}",
        "{\"spiffe_id\":\"spiffe://example.org/web\",\"status\":\"INVALID_ARGUMENT\",\"status_message\":"
            + "\"SPIFFE ID specified more than once\"}",
        "{\"spiffe_id\":\"\",\"status\":\"INVALID_ARGUMENT\",\"status_message\":\"missing SPIFFE ID\"}");
  }

  @Test
  void policiesFlowsAndAuditForwarding() throws Throwable {
    start(DatastoreConfig.Kind.SQLITE);
    Agent a = agent();
    entry(TD + "/api", a.id(), new Selector("unix", "uid:1000"));

    GetPoliciesResponse empty = a.node().getPolicies(GetPoliciesRequest.getDefaultInstance());
    assertThat(empty.getUnchanged()).isTrue();
    applyApiPolicy("monitor");
    GetPoliciesResponse policies = a.node().getPolicies(GetPoliciesRequest.getDefaultInstance());
    assertThat(policies.getVersion()).isEqualTo(1);
    assertThat(policies.getPoliciesList()).extracting(p -> p.getName() + "@" + p.getVersion()).containsExactly("api@1");
    assertThat(a.node().getPolicies(GetPoliciesRequest.newBuilder().setKnownVersion(1).build()).getUnchanged()).isTrue();

    var response = a.node().reportFlows(ReportFlowsRequest.newBuilder()
        .addFlows(Flow.newBuilder().setSourceSpiffeId(TD + "/web").setDestinationSpiffeId(TD + "/api")
            .setPort(8080).setAllowed(3).setFirstSeen(100).setLastSeen(200))
        .addFlows(Flow.newBuilder().setSourceAddress("10.9.0.1").setDestinationSpiffeId(TD + "/api")
            .setPort(8080).setWouldDeny(1).setFirstSeen(150).setLastSeen(150))
        .addFlows(Flow.newBuilder().setSourceSpiffeId(TD + "/web").setDestinationSpiffeId(TD + "/db")
            .setPort(5432).setAllowed(9).setFirstSeen(100).setLastSeen(200))
        .build());
    assertThat(response.getRefused()).isEqualTo(1);
    assertThat(server.datastore().flows().list(FlowStore.Filter.ALL)).containsExactly(
        new FlowStore.Flow("", "10.9.0.1", TD + "/api", 8080, 0, 0, 1, 150, 150),
        new FlowStore.Flow(TD + "/web", "", TD + "/api", 8080, 3, 0, 0, 100, 200));
    assertThat(audit("flows_refused")).extracting(r -> r.path("destinations").toString())
        .containsExactly("[\"spiffe://example.org/db\"]");

    assertThatThrownBy(() -> a.node().reportFlows(ReportFlowsRequest.newBuilder()
        .addFlows(Flow.newBuilder().setSourceSpiffeId(TD + "/web").setDestinationSpiffeId(TD + "/api").setPort(1))
        .addFlows(Flow.newBuilder().setSourceSpiffeId(TD + "/web").setSourceAddress("10.0.0.1")
            .setDestinationSpiffeId(TD + "/api").setPort(1))
        .build()))
        .hasMessage("INVALID_ARGUMENT: flows[1]: exactly one of source_spiffe_id and source_address must be set");
    assertThatThrownBy(() -> a.node().reportFlows(ReportFlowsRequest.newBuilder()
        .addFlows(Flow.newBuilder().setSourceAddress("10.0.0.0/8").setDestinationSpiffeId(TD + "/api").setPort(1))
        .build()))
        .hasMessage("INVALID_ARGUMENT: flows[0]: invalid source address \"10.0.0.0/8\": an address, not a prefix");
    assertThatThrownBy(() -> a.node().reportFlows(ReportFlowsRequest.newBuilder()
        .addFlows(Flow.newBuilder().setSourceAddress("10.0.0.1").setDestinationSpiffeId(TD + "/api").setPort(70000))
        .build()))
        .hasMessage("INVALID_ARGUMENT: flows[0]: port must be 1-65535, not 70000");
    assertThat(server.datastore().flows().list(FlowStore.Filter.ALL)).hasSize(2);

    String r1 = "{\"schema\":\"synid.audit/v1\",\"event\":\"connection\",\"n\":1}";
    String r2 = "{\"schema\":\"synid.audit/v1\",\"event\":\"connection\",\"n\":2}";
    String r3 = "{\"schema\":\"synid.audit/v1\",\"event\":\"connection\",\"n\":3}";
    assertThat(a.node().forwardAudit(ForwardAuditRequest.newBuilder().setFirstSequence(1)
        .addRecords(r1).addRecords(r2).build()).getAcknowledgedThrough()).isEqualTo(2);
    // The acknowledgement was lost: the agent sends again, with one more.
    assertThat(a.node().forwardAudit(ForwardAuditRequest.newBuilder().setFirstSequence(1)
        .addRecords(r1).addRecords(r2).addRecords(r3).build()).getAcknowledgedThrough()).isEqualTo(3);
    assertThat(server.datastore().forwardedAudit().count(a.id())).isEqualTo(3);
    assertThat(a.node().forwardAudit(ForwardAuditRequest.getDefaultInstance()).getAcknowledgedThrough()).isEqualTo(3);
    assertThatThrownBy(() -> a.node().forwardAudit(ForwardAuditRequest.newBuilder().setFirstSequence(4)
        .addRecords("{\"schema\":\"synid.audit/v1\"}").addRecords("[1]").build()))
        .hasMessage("INVALID_ARGUMENT: records[1]: not a JSON object");
    assertThatThrownBy(() -> a.node().forwardAudit(ForwardAuditRequest.newBuilder().setFirstSequence(3)
        .addRecords(r2).build()))
        .hasMessage("FAILED_PRECONDITION: sequence 3 is already stored with a different record");
    assertThat(server.datastore().forwardedAudit().count(a.id())).isEqualTo(3);
    // The API audit record of a forward counts the records instead of copying them.
    JsonNode forward = audit("api").stream().filter(r -> r.path("method").asText().equals("ForwardAudit"))
        .findFirst().orElseThrow();
    assertThat(forward.path("request").toString()).isEqualTo("{\"first_sequence\":\"1\",\"records_count\":2}");
  }

  /** Collects a WatchChanges stream's notices and its end. */
  private static final class Watch
      implements io.grpc.stub.ClientResponseObserver<WatchChangesRequest, ChangeNotice> {
    final java.util.concurrent.BlockingQueue<ChangeNotice> notices =
        new java.util.concurrent.LinkedBlockingQueue<>();
    final java.util.concurrent.CompletableFuture<Throwable> ended =
        new java.util.concurrent.CompletableFuture<>();
    private volatile io.grpc.stub.ClientCallStreamObserver<WatchChangesRequest> call;

    static Watch open(Agent a) {
      Watch w = new Watch();
      NodeGrpc.newStub(a.channel()).watchChanges(WatchChangesRequest.getDefaultInstance(), w);
      return w;
    }

    @Override
    public void beforeStart(io.grpc.stub.ClientCallStreamObserver<WatchChangesRequest> call) {
      this.call = call;
    }

    void cancel() {
      call.cancel("test", null);
    }

    /** Whether the stream was accepted: a first notice, or refused: an error. */
    boolean accepted() throws Exception {
      for (int i = 0; i < 100; i++) {
        if (!notices.isEmpty()) {
          return true;
        }
        if (ended.isDone()) {
          return false;
        }
        Thread.sleep(100);
      }
      throw new AssertionError("neither a notice nor an error within 10 s");
    }

    ChangeNotice next() throws InterruptedException {
      ChangeNotice n = notices.poll(10, TimeUnit.SECONDS);
      assertThat(n).as("a change notice within 10 s").isNotNull();
      return n;
    }

    @Override
    public void onNext(ChangeNotice n) {
      notices.add(n);
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(t);
    }

    @Override
    public void onCompleted() {
      ended.complete(null);
    }
  }

  /** Applies a policy "api": /api in {@code mode} (monitor or enforce), /web admitted on 8080. */
  private void applyApiPolicy(String mode) {
    PolicyGrpc.newBlockingStub(admin).applyPolicies(ApplyPoliciesRequest.newBuilder().setYaml("""
        name: api
        mode: %s
        applies_to: {spiffe_id: "spiffe://example.org/api"}
        ingress:
          - from: [{spiffe_id: "spiffe://example.org/web"}]
            ports: [8080]
        """.formatted(mode)).build());
  }

  @Test
  void watchersHearOfPolicyAndDirectoryChanges() throws Throwable {
    start(DatastoreConfig.Kind.SQLITE);
    Agent a = agent();
    Agent b = agent();
    Watch wa = Watch.open(a);
    Watch wb = Watch.open(b);
    // The first notice is the state when the stream opened.
    assertThat(wa.next()).isEqualTo(ChangeNotice.getDefaultInstance());
    assertThat(wb.next()).isEqualTo(ChangeNotice.getDefaultInstance());

    applyApiPolicy("enforce");
    assertThat(wa.next().getPolicyVersion()).isEqualTo(1);
    assertThat(wb.next().getPolicyVersion()).isEqualTo(1);

    a.node().registerHandshakeKey(register(key(1), "10.0.0.1/32"));
    ChangeNotice registered = wb.next();
    assertThat(registered.getPolicyVersion()).isEqualTo(1);
    assertThat(registered.getDirectoryCounter()).isPositive();
    assertThat(wa.next()).isEqualTo(registered);

    // A change made behind this server's back (another server on the same database) is found
    // by the poll.
    try (io.synid.server.datastore.Datastore other = io.synid.server.datastore.Datastore.open(
        server.settings().datastore(), java.time.Clock.systemUTC())) {
      other.policies().update(state -> new io.synid.server.datastore.PolicyStore.PolicyChange(
          java.util.Map.of(), java.util.Set.of("api"), java.util.Map.of()));
    }
    assertThat(wa.next().getPolicyVersion()).isEqualTo(2);
    // Nothing changed, nothing announced.
    assertThat(wa.notices.poll(500, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void directoryChurnIsAnnouncedAtMostOncePerSpacing() throws Throwable {
    start(DatastoreConfig.Kind.SQLITE);
    Agent a = agent();
    Watch wa = Watch.open(a);
    assertThat(wa.next()).isEqualTo(ChangeNotice.getDefaultInstance());
    a.node().registerHandshakeKey(register(key(1), "10.0.0.1/32"));
    ChangeNotice first = wa.next();
    long started = System.nanoTime();

    // Entries deleted one by one, for about two spacings: each moves the directory counter.
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ids.add(entry(TD + "/churn" + i, a.id(), new Selector("unix", "uid:" + (2000 + i))).id());
    }
    long afterCreates = server.datastore().directory().revision();
    for (String id : ids) {
      server.datastore().entries().delete(id);
      Thread.sleep(50);
    }
    long last = server.datastore().directory().revision();
    assertThat(last - afterCreates).isEqualTo(40);
    // Notices until the last counter value arrives: spaced, fewer than the changes.
    List<ChangeNotice> seen = new ArrayList<>();
    while (seen.isEmpty() || seen.get(seen.size() - 1).getDirectoryCounter() != last) {
      seen.add(wa.next());
    }
    // The server sends at most one directory notice per spacing (the one after the key
    // registration included), however many times the counter moved.
    assertThat(seen.size()).isLessThanOrEqualTo(
        (int) ((System.nanoTime() - started) / ChangeWatch.DIRECTORY_SPACING.toNanos()) + 1)
        .isLessThan(40);
    assertThat(seen.get(0).getDirectoryCounter()).isGreaterThan(first.getDirectoryCounter());

    // A policy change is not held back by the spacing.
    applyApiPolicy("enforce");
    assertThat(wa.next().getPolicyVersion()).isEqualTo(1);
  }

  @Test
  void watchStreamsPerAgentAreLimitedAndEndWithTheServer() throws Throwable {
    start(DatastoreConfig.Kind.SQLITE);
    Agent a = agent();
    List<Watch> watches = new ArrayList<>();
    for (int i = 0; i < ChangeWatch.MAX_WATCHES_PER_AGENT; i++) {
      watches.add(Watch.open(a));
      watches.get(i).next();
    }
    Watch refused = Watch.open(a);
    assertThat(code(refused.ended.get(10, TimeUnit.SECONDS)))
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    // Another agent is not affected by a's streams.
    Watch other = Watch.open(agent());
    other.next();
    // A stream the agent cancels frees its place (once the server has seen the cancellation).
    watches.remove(0).cancel();
    boolean reopened = false;
    for (int i = 0; i < 50 && !reopened; i++) {
      Watch w = Watch.open(a);
      reopened = w.accepted();
      if (reopened) {
        watches.add(w);
      } else {
        Thread.sleep(100);
      }
    }
    assertThat(reopened).isTrue();
    // Closing the server ends every stream normally: open watches do not hold its shutdown.
    server.close();
    server = null;
    for (Watch w : watches) {
      assertThat(w.ended.get(10, TimeUnit.SECONDS)).as("ended normally").isNull();
    }
  }

  @Test
  void anAgentSvidIsRequired() throws Throwable {
    start(DatastoreConfig.Kind.SQLITE);
    assertThatThrownBy(() -> NodeGrpc.newBlockingStub(channel(null, null))
        .getDirectory(GetDirectoryRequest.getDefaultInstance()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.UNAUTHENTICATED));
  }
}
