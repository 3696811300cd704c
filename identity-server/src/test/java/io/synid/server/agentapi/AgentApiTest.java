package io.synid.server.agentapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.AgentX509SVIDParams;
import io.synid.api.spire.server.agent.v1.AttestAgentResponse;
import io.synid.api.spire.server.agent.v1.BanAgentRequest;
import io.synid.api.spire.server.agent.v1.CreateJoinTokenRequest;
import io.synid.api.spire.server.agent.v1.DeleteAgentRequest;
import io.synid.api.spire.server.agent.v1.RenewAgentRequest;
import io.synid.api.spire.server.bundle.v1.BundleGrpc;
import io.synid.api.spire.server.bundle.v1.GetBundleRequest;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.server.entry.v1.GetAuthorizedEntriesRequest;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesRequest;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesResponse;
import io.synid.api.spire.server.svid.v1.BatchNewX509SVIDRequest;
import io.synid.api.spire.server.svid.v1.BatchNewX509SVIDResponse;
import io.synid.api.spire.server.svid.v1.NewJWTSVIDRequest;
import io.synid.api.spire.server.svid.v1.NewX509SVIDParams;
import io.synid.api.spire.server.svid.v1.SVIDGrpc;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.EntryMask;
import io.synid.api.spire.types.PermissionDeniedDetails;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.core.selector.Selector;
import io.synid.core.bundle.BundleJson;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.Csr;
import io.synid.core.x509.KeyType;
import io.synid.core.x509.Pem;
import io.synid.core.x509.SigningAuthority;
import io.synid.core.x509.X509AuthorityFactory;
import io.synid.core.x509.X509SvidSigner;
import io.synid.nodeattestor.AgentNodeAttestor;
import io.synid.nodeattestor.AttestationException;
import io.synid.nodeattestor.jointoken.JoinTokenClient;
import io.synid.nodeattestor.x509pop.X509PopClient;
import io.synid.server.IdentityServer;
import io.synid.server.TestServers;
import io.synid.server.datastore.DatastoreConfig;
import io.synid.server.datastore.TestDatastores;
import io.synid.server.entry.RegistrationEntry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The agent API over real TLS against a real server, driven as a spire-agent drives it. */
class AgentApiTest {
  private static final String TD = "example.org";
  private static final String SERVER_ID = "spiffe://example.org/spire/server";

  @TempDir Path tmp;
  private IdentityServer server;
  private ManagedChannel admin;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final SecureRandom random = new SecureRandom();
  private final SigningAuthority nodeCa = X509AuthorityFactory.newSelfSignedAuthority(
      KeyType.EC_P256, TrustDomain.parse("nodes.test"), Duration.ofDays(1), Instant.now());

  static List<DatastoreConfig.Kind> kinds() {
    return TestDatastores.kinds();
  }

  AgentApiTest() throws Exception {}

  private void start(DatastoreConfig.Kind kind) throws Exception {
    Path caPem = tmp.resolve("node-ca.pem");
    Files.writeString(caPem, Pem.encodeCertificates(List.of(nodeCa.certificate())));
    IdentityServer.Settings s = TestServers.settings(tmp, TestDatastores.config(kind, tmp));
    server = new IdentityServer(new IdentityServer.Settings(s.trustDomain(), s.datastore(), s.ca(),
        s.defaultX509SvidTtl(), s.defaultJwtSvidTtl(), s.adminSocket(), s.auditFile(),
        new AgentApiSettings(new InetSocketAddress("127.0.0.1", 0), Optional.of(caPem))),
        Clock.systemUTC());
    server.start();
    admin = TestServers.channel(s.adminSocket());
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

  // ---- an agent as the tests drive it ----------------------------------------------------------

  /** A node: its attestor, the key of its current SVID, the SVID, and a channel using it. */
  private final class Node {
    final AgentNodeAttestor attestor;
    KeyPair key = KeyType.EC_P256.generate();
    List<X509Certificate> svid;
    ManagedChannel channel;
    AttestAgentResponse.Result result;

    Node(AgentNodeAttestor attestor) {
      this.attestor = attestor;
    }

    Node attest() throws Throwable {
      result = AgentApiClient.attest(anonymous(), attestor, key);
      use(AgentApiClient.certificates(result.getSvid().getCertChainList()), key);
      return this;
    }

    void use(List<X509Certificate> chain, KeyPair withKey) throws Exception {
      svid = chain;
      key = withKey;
      channel = channel(withKey, chain);
    }

    String id() throws Exception {
      return svid.get(0).getSubjectAlternativeNames().iterator().next().get(1).toString();
    }
  }

  private ManagedChannel anonymous() throws Exception {
    return channel(null, null);
  }

  private ManagedChannel channel(KeyPair key, List<X509Certificate> svid) throws Exception {
    return channel(key, svid, new AgentApiClient.SeenServer());
  }

  private ManagedChannel channel(KeyPair key, List<X509Certificate> svid,
      AgentApiClient.SeenServer seen) throws Exception {
    Supplier<List<X509Certificate>> roots = () -> {
      try {
        return server.ca().bundle().x509Authorities();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    ManagedChannel c = AgentApiClient.channel(server.agentApiPort(), roots, seen, key, svid);
    channels.add(c);
    return c;
  }

  private Node joinTokenNode() throws Throwable {
    String token = AgentGrpc.newBlockingStub(admin)
        .createJoinToken(CreateJoinTokenRequest.newBuilder().setTtl(600).build()).getValue();
    return new Node(new JoinTokenClient(token)).attest();
  }

  private X509Certificate nodeCertificate(KeyPair key, String name) throws Exception {
    return X509SvidSigner.signSvid(nodeCa, key.getPublic(), SpiffeId.parse("spiffe://nodes.test/" + name),
        List.of(), Duration.ofHours(1), Instant.now());
  }

  private Node x509popNode(String name) throws Throwable {
    KeyPair nodeKey = KeyType.EC_P256.generate();
    return new Node(new X509PopClient(List.of(nodeCertificate(nodeKey, name)),
        nodeKey.getPrivate(), random)).attest();
  }

  private static SPIFFEID id(String spiffeId) throws Exception {
    SpiffeId parsed = SpiffeId.parse(spiffeId);
    return SPIFFEID.newBuilder().setTrustDomain(parsed.trustDomain().name()).setPath(parsed.path())
        .build();
  }

  private RegistrationEntry entry(String spiffeId, String parentId, List<Selector> selectors)
      throws Exception {
    return server.datastore().entries().create(new RegistrationEntry("", spiffeId, parentId,
        selectors, 0, 0, List.of(), false, false, 0, List.of(), 0, false, "", 0));
  }

  private static Status.Code code(Throwable t) {
    return Status.fromThrowable(t).getCode();
  }

  private static PermissionDeniedDetails.Reason reason(Throwable t) throws Exception {
    com.google.rpc.Status status = StatusProto.fromThrowable(t);
    assertThat(status).as("status with details").isNotNull();
    return status.getDetails(0).unpack(PermissionDeniedDetails.class).getReason();
  }

  private List<JsonNode> audit(String event) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> records = new ArrayList<>();
    for (String line : Files.readAllLines(server.settings().auditFile())) {
      JsonNode r = json.readTree(line);
      if (r.path("event").asText().equals(event)) {
        records.add(r);
      }
    }
    return records;
  }

  // ---- transport ------------------------------------------------------------------------------

  @Test
  void getBundleNeedsNoClientCertificateAndTheServerPresentsItsSvid() throws Exception {
    start(DatastoreConfig.Kind.SQLITE);
    AgentApiClient.SeenServer seen = new AgentApiClient.SeenServer();

    var bundle = BundleGrpc.newBlockingStub(channel(null, null, seen))
        .getBundle(GetBundleRequest.getDefaultInstance());

    assertThat(bundle.getTrustDomain()).isEqualTo(TD);
    assertThat(bundle.getX509AuthoritiesCount()).isEqualTo(server.ca().bundle().x509Authorities().size());
    assertThat(seen.chain[0].getSubjectAlternativeNames().iterator().next().get(1))
        .isEqualTo(SERVER_ID);
    assertThat(seen.chain[0].getIssuerX500Principal())
        .isEqualTo(server.ca().activeX509Authority().certificate().getSubjectX500Principal());
  }

  @Test
  void theServerSvidFollowsCaRotation() throws Exception {
    start(DatastoreConfig.Kind.SQLITE);
    server.ca().prepare();
    server.ca().activate();
    AgentApiClient.SeenServer seen = new AgentApiClient.SeenServer();

    BundleGrpc.newBlockingStub(channel(null, null, seen)).getBundle(GetBundleRequest.getDefaultInstance());

    X509Certificate active = server.ca().activeX509Authority().certificate();
    seen.chain[0].verify(active.getPublicKey());
    assertThat(seen.chain[0].getIssuerX500Principal()).isEqualTo(active.getSubjectX500Principal());
  }

  @Test
  void everyOtherCallNeedsAnAgentSvid() throws Exception {
    start(DatastoreConfig.Kind.SQLITE);

    assertThatThrownBy(() -> EntryGrpc.newBlockingStub(anonymous())
        .getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.UNAUTHENTICATED))
        .hasMessageContaining("agent SVID is required for this request");

    // An SVID of our trust domain that is not an agent's: refused.
    KeyPair key = KeyType.EC_P256.generate();
    List<X509Certificate> workload = server.ca().signX509Svid(key.getPublic(),
        SpiffeId.parse("spiffe://example.org/workload"), List.of(), Duration.ofMinutes(5));
    assertThatThrownBy(() -> SVIDGrpc.newBlockingStub(channel(key, workload))
        .batchNewX509SVID(BatchNewX509SVIDRequest.getDefaultInstance()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.PERMISSION_DENIED))
        .hasMessageContaining("caller \"spiffe://example.org/workload\" is not an agent");

    // An agent-shaped SVID from another CA: refused.
    SigningAuthority other = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256,
        TrustDomain.parse(TD), Duration.ofDays(1), Instant.now());
    List<X509Certificate> forged = List.of(X509SvidSigner.signSvid(other, key.getPublic(),
        SpiffeId.parse("spiffe://example.org/spire/agent/join_token/x"), List.of(),
        Duration.ofMinutes(5), Instant.now()));
    assertThatThrownBy(() -> EntryGrpc.newBlockingStub(channel(key, forged))
        .getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.UNAUTHENTICATED))
        .hasMessageContaining("client certificate does not verify against the trust bundle");

    // Each refusal is an API audit record naming the identity the client presented.
    assertThat(audit("api")).filteredOn(r -> r.path("method").asText().equals("GetAuthorizedEntries"))
        .extracting(r -> r.path("caller").path("presented_id").asText(), r -> r.path("status").asText())
        .containsExactly(org.assertj.core.groups.Tuple.tuple("", "UNAUTHENTICATED"),
            org.assertj.core.groups.Tuple.tuple("spiffe://example.org/spire/agent/join_token/x",
                "UNAUTHENTICATED"));
    assertThat(audit("api")).filteredOn(r -> r.path("method").asText().equals("BatchNewX509SVID"))
        .extracting(r -> r.path("caller").path("presented_id").asText())
        .containsExactly("spiffe://example.org/workload");
  }

  // ---- attestation ----------------------------------------------------------------------------

  @Test
  void joinTokenAttestationStoresTheNodeAndTheTokenIsSingleUse() throws Throwable {
    start(DatastoreConfig.Kind.SQLITE);
    String token = AgentGrpc.newBlockingStub(admin)
        .createJoinToken(CreateJoinTokenRequest.newBuilder().setTtl(600).build()).getValue();
    Node node = new Node(new JoinTokenClient(token)).attest();

    String agentId = "spiffe://example.org/spire/agent/join_token/" + token;
    assertThat(node.id()).isEqualTo(agentId);
    assertThat(node.result.getReattestable()).isFalse();
    assertThat(node.result.getSvid().getId()).isEqualTo(id(agentId));
    assertThat(server.datastore().nodes().get(agentId)).hasValueSatisfying(n -> {
      assertThat(n.certSerial()).isEqualTo(node.svid.get(0).getSerialNumber().toString());
      assertThat(n.certNotAfter()).isEqualTo(node.svid.get(0).getNotAfter().toInstant().getEpochSecond());
      assertThat(n.attestationType()).isEqualTo("join_token");
      assertThat(n.selectors()).isEmpty();
    });

    KeyPair again = KeyType.EC_P256.generate();
    assertThatThrownBy(() -> AgentApiClient.attest(anonymous(), new JoinTokenClient(token), again))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.PERMISSION_DENIED))
        .hasMessageContaining(
            "failed to attest: join_token: join token does not exist or has already been used");
    List<JsonNode> records = audit("attestation");
    assertThat(records).hasSize(2);
    assertThat(records.get(0).path("status").asText()).isEqualTo("OK");
    assertThat(records.get(0).path("agent_id").asText()).isEqualTo(agentId);
    assertThat(records.get(1).path("status").asText()).isEqualTo("PERMISSION_DENIED");
    assertThat(records.get(1).path("reason").asText()).isEqualTo(
        "failed to attest: join_token: join token does not exist or has already been used");
    assertThat(Files.readAllLines(server.settings().auditFile()))
        .filteredOn(line -> line.contains(token))
        .as("the token appears only as part of the agent ID of the successful attestation")
        .singleElement().satisfies(line -> assertThat(line).contains("\"event\":\"attestation\"",
            "\"status\":\"OK\""));
  }

  @Test
  void malformedAttestationsAreRefusedAndNothingIsStored() throws Throwable {
    start(DatastoreConfig.Kind.SQLITE);
    KeyPair key = KeyType.EC_P256.generate();
    AgentNodeAttestor unknown = new AgentNodeAttestor() {
      @Override
      public String name() {
        return "tpm_devid";
      }

      @Override
      public byte[] payload() {
        return new byte[] {1};
      }

      @Override
      public byte[] respond(byte[] challenge) {
        return new byte[0];
      }
    };
    assertThatThrownBy(() -> AgentApiClient.attest(anonymous(), unknown, key))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.FAILED_PRECONDITION))
        .hasMessageContaining("could not find node attestor type \"tpm_devid\"");

    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    var requests = AgentGrpc.newStub(anonymous()).attestAgent(new StreamObserver<>() {
      @Override
      public void onNext(AttestAgentResponse value) {
        failure.complete(new AssertionError("unexpected response " + value));
      }

      @Override
      public void onError(Throwable t) {
        failure.complete(t);
      }

      @Override
      public void onCompleted() {
        failure.complete(new AssertionError("completed"));
      }
    });
    requests.onNext(io.synid.api.spire.server.agent.v1.AttestAgentRequest.newBuilder()
        .setChallengeResponse(ByteString.copyFromUtf8("x")).build());
    Throwable t = failure.get(20, TimeUnit.SECONDS);
    assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(t).hasMessageContaining("malformed param: missing params");
    assertThat(server.datastore().nodes().count()).isZero();
  }

  @Test
  void x509popForgeriesAreRefusedAndAudited() throws Throwable {
    start(DatastoreConfig.Kind.SQLITE);
    KeyPair nodeKey = KeyType.EC_P256.generate();
    X509Certificate cert = nodeCertificate(nodeKey, "node-1");

    // A certificate from a CA the server does not trust.
    SigningAuthority otherCa = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256,
        TrustDomain.parse("nodes.test"), Duration.ofDays(1), Instant.now());
    X509Certificate foreign = X509SvidSigner.signSvid(otherCa, nodeKey.getPublic(),
        SpiffeId.parse("spiffe://nodes.test/node-1"), List.of(), Duration.ofHours(1), Instant.now());
    assertThatThrownBy(() -> AgentApiClient.attest(anonymous(),
        new X509PopClient(List.of(foreign), nodeKey.getPrivate(), random), KeyType.EC_P256.generate()))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED))
        .hasMessageContaining("failed to attest: x509pop: certificate verification failed");

    // The right certificate, but the answer replays a signature over another conversation's nonce.
    X509PopClient honest = new X509PopClient(List.of(cert), nodeKey.getPrivate(), random);
    byte[][] recorded = new byte[1][];
    AgentNodeAttestor recorder = new AgentNodeAttestor() {
      @Override
      public String name() {
        return "x509pop";
      }

      @Override
      public byte[] payload() {
        return honest.payload();
      }

      @Override
      public byte[] respond(byte[] challenge) throws AttestationException {
        if (recorded[0] == null) {
          recorded[0] = honest.respond(challenge);
          return recorded[0];
        }
        return recorded[0];
      }
    };
    AgentApiClient.attest(anonymous(), recorder, KeyType.EC_P256.generate());
    assertThatThrownBy(() -> AgentApiClient.attest(anonymous(), recorder, KeyType.EC_P256.generate()))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED))
        .hasMessageContaining(
            "failed to attest: x509pop: challenge response verification failed: ECDSA signature verify failed");

    List<JsonNode> records = audit("attestation");
    assertThat(records).extracting(r -> r.path("status").asText())
        .containsExactly("PERMISSION_DENIED", "OK", "PERMISSION_DENIED");
    assertThat(records.get(0).path("reason").asText())
        .startsWith("failed to attest: x509pop: certificate verification failed");
    assertThat(records).allSatisfy(r ->
        assertThat(r.path("attestation_type").asText()).isEqualTo("x509pop"));
  }

  // ---- authorization --------------------------------------------------------------------------

  @ParameterizedTest
  @MethodSource("kinds")
  void agentsGetTheirEntriesMatchingAliasesAndAllDescendants(DatastoreConfig.Kind kind)
      throws Throwable {
    start(kind);
    Node node = x509popNode("node-1");
    String fingerprint = server.datastore().nodes().get(node.id()).orElseThrow().selectors().stream()
        .filter(s -> s.value().startsWith("ca:fingerprint:")).findFirst().orElseThrow().value();
    Selector caSelector = new Selector("x509pop", fingerprint);

    RegistrationEntry direct = entry("spiffe://example.org/direct", node.id(),
        List.of(new Selector("unix", "uid:1000")));
    RegistrationEntry alias = entry("spiffe://example.org/cluster/a", SERVER_ID, List.of(caSelector));
    entry("spiffe://example.org/cluster/b", SERVER_ID,
        List.of(caSelector, new Selector("x509pop", "subject:cn:someone-else")));
    RegistrationEntry child = entry("spiffe://example.org/child", alias.spiffeId(),
        List.of(new Selector("unix", "uid:1001")));
    RegistrationEntry grandchild = entry("spiffe://example.org/grandchild", child.spiffeId(),
        List.of(new Selector("k8s", "ns:default")));
    RegistrationEntry unrelated = entry("spiffe://example.org/elsewhere",
        "spiffe://example.org/spire/agent/join_token/other", List.of(new Selector("unix", "uid:1")));

    var entries = EntryGrpc.newBlockingStub(node.channel)
        .getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance()).getEntriesList();
    assertThat(entries).extracting(Entry::getId).containsExactlyInAnyOrder(
        direct.id(), alias.id(), child.id(), grandchild.id());

    // Another x509pop node of the same CA matches the alias too; a join-token node matches none.
    Node other = x509popNode("node-2");
    assertThat(EntryGrpc.newBlockingStub(other.channel)
        .getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance()).getEntriesList())
        .extracting(Entry::getId).containsExactlyInAnyOrder(alias.id(), child.id(), grandchild.id());
    Node tokenNode = joinTokenNode();
    assertThat(EntryGrpc.newBlockingStub(tokenNode.channel)
        .getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance()).getEntriesList())
        .isEmpty();

    KeyPair workloadKey = KeyType.EC_P256.generate();
    BatchNewX509SVIDResponse batch = SVIDGrpc.newBlockingStub(node.channel).batchNewX509SVID(
        BatchNewX509SVIDRequest.newBuilder()
            .addParams(NewX509SVIDParams.newBuilder().setEntryId(grandchild.id())
                .setCsr(ByteString.copyFrom(Csr.create(workloadKey))))
            .addParams(NewX509SVIDParams.newBuilder().setEntryId(unrelated.id())
                .setCsr(ByteString.copyFrom(Csr.create(workloadKey))))
            .addParams(NewX509SVIDParams.newBuilder().setEntryId(direct.id()))
            .addParams(NewX509SVIDParams.newBuilder().setEntryId(direct.id())
                .setCsr(ByteString.copyFromUtf8("not a CSR")))
            .build());
    assertThat(batch.getResultsList()).extracting(r -> r.getStatus().getCode()).containsExactly(
        Status.Code.OK.value(), Status.Code.NOT_FOUND.value(), Status.Code.INVALID_ARGUMENT.value(),
        Status.Code.INVALID_ARGUMENT.value());
    assertThat(batch.getResults(1).getStatus().getMessage()).isEqualTo("entry not found or not authorized");
    assertThat(batch.getResults(2).getStatus().getMessage()).isEqualTo("missing CSR");
    X509Certificate issued = AgentApiClient.certificates(batch.getResults(0).getSvid().getCertChainList()).get(0);
    assertThat(issued.getPublicKey()).isEqualTo(workloadKey.getPublic());
    assertThat(issued.getSubjectAlternativeNames().iterator().next().get(1))
        .isEqualTo("spiffe://example.org/grandchild");
    assertThat(Duration.between(issued.getNotBefore().toInstant(), issued.getNotAfter().toInstant()))
        .isBetween(Duration.ofMinutes(59), Duration.ofMinutes(61));

    var jwt = SVIDGrpc.newBlockingStub(node.channel).newJWTSVID(NewJWTSVIDRequest.newBuilder()
        .setEntryId(child.id()).addAudience("db").build());
    assertThat(jwt.getSvid().getId()).isEqualTo(id("spiffe://example.org/child"));
    assertThatThrownBy(() -> SVIDGrpc.newBlockingStub(node.channel).newJWTSVID(
        NewJWTSVIDRequest.newBuilder().setEntryId(unrelated.id()).addAudience("db").build()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.NOT_FOUND));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void syncSendsSmallSetsWholeAndPagesLargeOnes(DatastoreConfig.Kind kind) throws Throwable {
    start(kind);
    Node node = joinTokenNode();
    List<RegistrationEntry> created = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      created.add(entry("spiffe://example.org/w/" + i, node.id(), List.of(new Selector("unix", "uid:" + i))));
    }
    List<SyncAuthorizedEntriesResponse> small = sync(node.channel,
        List.of(SyncAuthorizedEntriesRequest.getDefaultInstance()));
    assertThat(small).hasSize(1);
    assertThat(small.get(0).getEntriesList()).extracting(Entry::getId)
        .containsExactlyElementsOf(created.stream().map(RegistrationEntry::id).sorted().toList());
    assertThat(small.get(0).getMore()).isFalse();

    List<RegistrationEntry> many = new ArrayList<>();
    for (int i = 0; i < 1197; i++) {
      many.add(new RegistrationEntry("", "spiffe://example.org/m/" + i, node.id(),
          List.of(new Selector("unix", "uid:" + i)), 0, 0, List.of(), false, false, 0, List.of(), 0,
          false, "", 0));
    }
    server.datastore().entries().createAll(many);
    List<String> allIds = EntryGrpc.newBlockingStub(node.channel)
        .getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance()).getEntriesList()
        .stream().map(Entry::getId).sorted().toList();
    assertThat(allIds).hasSize(1200);

    List<String> wanted = new ArrayList<>(allIds.subList(100, 701));
    wanted.add("no-such-entry");
    List<SyncAuthorizedEntriesResponse> paged = sync(node.channel, List.of(
        SyncAuthorizedEntriesRequest.newBuilder()
            .setOutputMask(EntryMask.newBuilder().setRevisionNumber(true).setSpiffeId(true)).build(),
        SyncAuthorizedEntriesRequest.newBuilder().addAllIds(wanted).build()));
    assertThat(paged).hasSize(5);
    assertThat(paged.subList(0, 3)).extracting(r -> r.getEntryRevisionsCount(), r -> r.getMore())
        .containsExactly(org.assertj.core.groups.Tuple.tuple(500, true),
            org.assertj.core.groups.Tuple.tuple(500, true),
            org.assertj.core.groups.Tuple.tuple(200, false));
    assertThat(paged.subList(0, 3).stream().flatMap(r -> r.getEntryRevisionsList().stream())
        .map(r -> r.getId()).toList()).containsExactlyElementsOf(allIds);
    assertThat(paged.subList(3, 5)).extracting(r -> r.getEntriesCount(), r -> r.getMore())
        .containsExactly(org.assertj.core.groups.Tuple.tuple(500, true),
            org.assertj.core.groups.Tuple.tuple(101, false));
    Entry first = paged.get(3).getEntries(0);
    assertThat(first.getId()).isEqualTo(allIds.get(100));
    assertThat(first.hasSpiffeId()).isTrue();
    assertThat(first.getSelectorsCount()).as("masked out").isZero();

    assertThatThrownBy(() -> sync(node.channel, List.of(
        SyncAuthorizedEntriesRequest.newBuilder().addIds(allIds.get(0)).build())))
        .hasMessageContaining("specifying IDs on initial request is not supported");
    assertThatThrownBy(() -> sync(node.channel, List.of(SyncAuthorizedEntriesRequest.newBuilder()
        .setOutputMask(EntryMask.newBuilder().setSpiffeId(true)).build())))
        .hasMessageContaining("revision number cannot be masked");
  }

  /**
   * Runs one SyncAuthorizedEntries stream: sends the first request, reads until a response
   * without {@code more}, then the same for each further request, then closes.
   */
  private static List<SyncAuthorizedEntriesResponse> sync(ManagedChannel channel,
      List<SyncAuthorizedEntriesRequest> requests) throws Throwable {
    LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();
    StreamObserver<SyncAuthorizedEntriesRequest> out = EntryGrpc.newStub(channel)
        .syncAuthorizedEntries(new StreamObserver<>() {
          @Override
          public void onNext(SyncAuthorizedEntriesResponse value) {
            received.add(value);
          }

          @Override
          public void onError(Throwable t) {
            received.add(t);
          }

          @Override
          public void onCompleted() {
            received.add("completed");
          }
        });
    List<SyncAuthorizedEntriesResponse> responses = new ArrayList<>();
    for (SyncAuthorizedEntriesRequest request : requests) {
      out.onNext(request);
      while (true) {
        Object next = received.poll(20, TimeUnit.SECONDS);
        if (next instanceof Throwable t) {
          throw t;
        }
        if (next == null || "completed".equals(next)) {
          out.onCompleted();
          return responses;
        }
        SyncAuthorizedEntriesResponse r = (SyncAuthorizedEntriesResponse) next;
        responses.add(r);
        if (!r.getMore()) {
          break;
        }
      }
    }
    out.onCompleted();
    return responses;
  }

  // ---- renewal, eviction, ban -----------------------------------------------------------------

  @Test
  void aChainThatVerifiedIsRefusedOnceItsRootLeavesTheBundle() throws Throwable {
    start(DatastoreConfig.Kind.SQLITE);
    Node node = joinTokenNode();
    EntryGrpc.newBlockingStub(node.channel)
        .getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance());
    EntryGrpc.newBlockingStub(node.channel)
        .getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance());

    // The bundle now names another root only: the same connection's next call is refused,
    // whatever the server remembered of the chain's earlier verification.
    String stored = server.datastore().bundles().get(TD).orElseThrow();
    TrustBundle bundle = BundleJson.decode(TrustDomain.parse(TD), stored);
    SigningAuthority other = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256,
        TrustDomain.parse(TD), Duration.ofDays(1), Instant.now());
    server.datastore().bundles().put(TD, BundleJson.encode(
        new TrustBundle(bundle.trustDomain(), List.of(other.certificate()), bundle.jwtAuthorities(),
            bundle.sequenceNumber() + 1, bundle.refreshHint())));
    assertThatThrownBy(() -> EntryGrpc.newBlockingStub(node.channel)
        .getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.UNAUTHENTICATED))
        .hasMessageContaining("client certificate does not verify against the trust bundle");

    // And accepted again with the root back.
    server.datastore().bundles().put(TD, stored);
    EntryGrpc.newBlockingStub(node.channel)
        .getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance());
  }

  @Test
  void renewalActivatesTheNewSerialOnFirstUseAsSpireDoes() throws Throwable {
    start(DatastoreConfig.Kind.SQLITE);
    Node node = joinTokenNode();
    List<X509Certificate> oldSvid = node.svid;
    KeyPair oldKey = node.key;
    KeyPair newKey = KeyType.EC_P256.generate();

    var renewed = AgentGrpc.newBlockingStub(node.channel).renewAgent(RenewAgentRequest.newBuilder()
        .setParams(AgentX509SVIDParams.newBuilder().setCsr(ByteString.copyFrom(Csr.create(newKey))))
        .build());
    List<X509Certificate> newSvid = AgentApiClient.certificates(renewed.getSvid().getCertChainList());
    assertThat(newSvid.get(0).getPublicKey()).isEqualTo(newKey.getPublic());
    assertThat(server.datastore().nodes().get(node.id()).orElseThrow().newCertSerial())
        .isEqualTo(newSvid.get(0).getSerialNumber().toString());

    // The old SVID keeps working until the new one is used...
    EntryGrpc.newBlockingStub(channel(oldKey, oldSvid))
        .getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance());
    node.use(newSvid, newKey);
    EntryGrpc.newBlockingStub(node.channel)
        .getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance());
    assertThat(server.datastore().nodes().get(node.id()).orElseThrow().certSerial())
        .isEqualTo(newSvid.get(0).getSerialNumber().toString());
    // ...and not after.
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> EntryGrpc.newBlockingStub(
        channel(oldKey, oldSvid)).getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance()));
    assertThat(code(t)).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(reason(t)).isEqualTo(PermissionDeniedDetails.Reason.AGENT_NOT_ACTIVE);
    assertThat(t).hasMessageContaining("expected to have serial number \""
        + newSvid.get(0).getSerialNumber() + "\"; has \"" + oldSvid.get(0).getSerialNumber() + "\"");
    assertThat(audit("agent_renewal")).singleElement()
        .satisfies(r -> assertThat(r.path("status").asText()).isEqualTo("OK"));
  }

  @Test
  void evictedAgentsMustReattestAndBannedAgentsAreRefused() throws Throwable {
    start(DatastoreConfig.Kind.SQLITE);
    Node node = x509popNode("node-1");
    var agents = AgentGrpc.newBlockingStub(admin);

    agents.deleteAgent(DeleteAgentRequest.newBuilder().setId(id(node.id())).build());
    Throwable evicted = org.assertj.core.api.Assertions.catchThrowable(() -> EntryGrpc
        .newBlockingStub(node.channel).getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance()));
    assertThat(code(evicted)).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(reason(evicted)).isEqualTo(PermissionDeniedDetails.Reason.AGENT_NOT_ATTESTED);
    assertThat(evicted).hasMessageContaining("agent \"" + node.id() + "\" is not attested");

    node.attest();
    assertThat(node.result.getReattestable()).isTrue();
    EntryGrpc.newBlockingStub(node.channel)
        .getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance());

    agents.banAgent(BanAgentRequest.newBuilder().setId(id(node.id())).build());
    Throwable banned = org.assertj.core.api.Assertions.catchThrowable(() -> EntryGrpc
        .newBlockingStub(node.channel).getAuthorizedEntries(GetAuthorizedEntriesRequest.getDefaultInstance()));
    assertThat(code(banned)).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(reason(banned)).isEqualTo(PermissionDeniedDetails.Reason.AGENT_BANNED);
    assertThat(banned).hasMessageContaining("agent \"" + node.id() + "\" is banned");
    assertThatThrownBy(node::attest)
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.PERMISSION_DENIED))
        .hasMessageContaining("failed to attest: agent is banned");
    assertThat(audit("attestation")).last().satisfies(r -> {
      assertThat(r.path("status").asText()).isEqualTo("PERMISSION_DENIED");
      assertThat(r.path("agent_id").asText()).isEqualTo(node.id());
    });

    // Deleting the banned record lets the node attest again.
    agents.deleteAgent(DeleteAgentRequest.newBuilder().setId(id(node.id())).build());
    node.attest();
  }
}
