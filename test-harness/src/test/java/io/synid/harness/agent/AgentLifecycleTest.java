package io.synid.harness.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.agent.AgentDaemon;
import io.synid.agent.AgentTerminatedException;
import io.synid.agent.cli.WorkloadApiClient;
import io.synid.api.workload.X509SVIDRequest;
import io.synid.api.workload.X509SVIDResponse;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.KeyType;
import io.synid.core.x509.Pem;
import io.synid.core.x509.SigningAuthority;
import io.synid.core.x509.X509AuthorityFactory;
import io.synid.core.x509.X509SvidSigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's life with its server: eviction and ban, x509pop re-attestation, a server that is
 * not there at start, restarts, and the agent's own restart from its stored SVID.
 */
class AgentLifecycleTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private AgentHarness h;

  @BeforeEach
  void setUp() throws Exception {
    h = new AgentHarness();
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }

  private static int myUid() throws Exception {
    return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue();
  }

  private X509SVIDResponse fetch(String agent) {
    try (WorkloadApiClient client = new WorkloadApiClient(h.socket(agent), true)) {
      return client.blocking(30).fetchX509SVID(X509SVIDRequest.getDefaultInstance()).next();
    }
  }

  @Test
  void anEvictedJoinTokenAgentStopsAndSaysWhy() throws Exception {
    h.startServer(Optional.empty());
    String token = h.joinToken();
    AgentDaemon agent = h.startJoinTokenAgent("agent", token);
    Awaitility.await().atMost(WAIT).until(() -> agent.state().ready());
    h.evict(AgentHarness.joinTokenAgentId(token));
    AgentTerminatedException reason = agent.terminated().get(30, TimeUnit.SECONDS);
    assertThat(reason.getMessage()).contains(AgentHarness.joinTokenAgentId(token))
        .contains("cannot attest again").contains("new join token");
    // The refused SVID is gone from disk: a restart attests (and fails on the used token).
    assertThat(h.dir.resolve("agent").resolve("agent-svid.pem")).doesNotExist();
    // Audit records reach the file through the agent's spool, a moment after they are made.
    Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(Files.readString(
        h.dir.resolve("agent").resolve("audit.jsonl"))).contains("\"event\":\"agent_refused\""));
  }

  @Test
  void aBannedAgentStops() throws Exception {
    h.startServer(Optional.empty());
    String token = h.joinToken();
    AgentDaemon agent = h.startJoinTokenAgent("agent", token);
    Awaitility.await().atMost(WAIT).until(() -> agent.state().ready());
    h.ban(AgentHarness.joinTokenAgentId(token));
    assertThat(agent.terminated().get(30, TimeUnit.SECONDS).getMessage()).contains("is banned");
  }

  @Test
  void anEvictedX509popAgentAttestsAgainAndKeepsServing() throws Exception {
    SigningAuthority nodeCa = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256,
        TrustDomain.parse("nodes.test"), Duration.ofDays(1), Instant.now());
    Path caPem = Files.createDirectories(h.dir.resolve("node")).resolve("ca.pem");
    Files.writeString(caPem, Pem.encodeCertificates(List.of(nodeCa.certificate())));
    KeyPair nodeKey = KeyType.EC_P256.generate();
    X509Certificate nodeCert = X509SvidSigner.signSvid(nodeCa, nodeKey.getPublic(),
        SpiffeId.parse("spiffe://nodes.test/node-1"), List.of(), Duration.ofHours(1), Instant.now());
    Path keyFile = h.dir.resolve("node").resolve("node.key");
    Path certFile = h.dir.resolve("node").resolve("node.crt");
    Pem.writePrivateKey(keyFile, nodeKey.getPrivate());
    Pem.writeCertificates(certFile, List.of(nodeCert));
    h.startServer(Optional.of(caPem));
    String agentId = "spiffe://example.org/spire/agent/x509pop/" + HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-1").digest(nodeCert.getEncoded()));
    h.createEntry(agentId, "/pop-workload", 0, "unix:uid:" + myUid());
    AgentDaemon agent = h.startAgent("agent", h.agentConfig("agent",
        "{x509pop: {certificatePath: " + certFile + ", privateKeyPath: " + keyFile + "}}",
        h.writeBootstrapBundle(), h.agentApiPort, "1s"));
    Awaitility.await().atMost(WAIT).until(() -> agent.state().svids().size() == 1);
    assertThat(agent.agentId()).contains(agentId);
    String firstSerial = Pem.decodeCertificates(Files.readString(h.dir.resolve("agent")
        .resolve("agent-svid.pem")).substring(Files.readString(h.dir.resolve("agent")
        .resolve("agent-svid.pem")).indexOf("-----BEGIN CERTIFICATE"))).get(0)
        .getSerialNumber().toString(16);

    h.evict(agentId);
    Awaitility.await().atMost(WAIT).until(() -> Files.readString(h.dir.resolve("agent")
        .resolve("audit.jsonl")).lines().filter(l -> l.contains("\"node_attestation\"")
            && l.contains("\"success\"")).count() == 2);
    assertThat(agent.terminated()).isNotDone();
    String pem = Files.readString(h.dir.resolve("agent").resolve("agent-svid.pem"));
    assertThat(Pem.decodeCertificates(pem.substring(pem.indexOf("-----BEGIN CERTIFICATE")))
        .get(0).getSerialNumber().toString(16)).isNotEqualTo(firstSerial);
    assertThat(fetch("agent").getSvids(0).getSpiffeId()).isEqualTo("spiffe://example.org/pop-workload");
  }

  @Test
  void theAgentSvidIsRenewedAtHalfItsLifetime() throws Exception {
    h.defaultX509SvidTtl = Duration.ofSeconds(20);
    h.startServer(Optional.empty());
    String token = h.joinToken();
    String agentId = AgentHarness.joinTokenAgentId(token);
    AgentDaemon agent = h.startJoinTokenAgent("agent", token);
    Path audit = h.dir.resolve("agent").resolve("audit.jsonl");
    Awaitility.await().atMost(WAIT).until(() -> Files.readString(audit).lines()
        .filter(l -> l.contains("\"agent_svid_renewed\"")).count() >= 3);
    // Past the first SVID's expiry, the agent still syncs with the renewed one.
    h.createEntry(agentId, "/late", 0, "unix:uid:" + myUid());
    Awaitility.await().atMost(WAIT).until(() -> agent.state().svids().size() == 1);
    assertThat(agent.terminated()).isNotDone();
    assertThat(Files.readString(audit)).doesNotContain("agent_refused");
  }

  @Test
  void federatedBundlesReachWorkloadsWhoseEntriesFederateAndValidateTheirJwtSvids()
      throws Exception {
    h.startServer(Optional.empty());
    SigningAuthority partnerCa = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256,
        TrustDomain.parse("partner.org"), Duration.ofDays(1), Instant.now());
    KeyPair partnerJwtKey = KeyType.EC_P256.generate();
    h.setFederatedBundle(io.synid.api.spire.types.Bundle.newBuilder().setTrustDomain("partner.org")
        .addX509Authorities(io.synid.api.spire.types.X509Certificate.newBuilder().setAsn1(
            com.google.protobuf.ByteString.copyFrom(partnerCa.certificate().getEncoded())))
        .addJwtAuthorities(io.synid.api.spire.types.JWTKey.newBuilder().setKeyId("partner-key")
            .setPublicKey(com.google.protobuf.ByteString.copyFrom(
                partnerJwtKey.getPublic().getEncoded()))
            .setExpiresAt(Instant.now().plus(Duration.ofDays(1)).getEpochSecond()))
        .build());
    String token = h.joinToken();
    h.createFederatedEntry(AgentHarness.joinTokenAgentId(token), "/federated", "partner.org",
        "unix:uid:" + myUid());
    AgentDaemon agent = h.startJoinTokenAgent("agent", token);
    Awaitility.await().atMost(WAIT).until(() -> agent.state().svids().size() == 1);

    X509SVIDResponse response = fetch("agent");
    assertThat(response.getFederatedBundlesMap()).containsOnlyKeys("spiffe://partner.org");
    assertThat(response.getFederatedBundlesMap().get("spiffe://partner.org").toByteArray())
        .isEqualTo(partnerCa.certificate().getEncoded());

    String partnerToken = io.synid.core.jwt.JwtSvidSigner.sign(partnerJwtKey.getPrivate(),
        KeyType.EC_P256, "partner-key", SpiffeId.parse("spiffe://partner.org/billing"),
        List.of("federated"), Instant.now().plusSeconds(300), Instant.now());
    try (WorkloadApiClient client = new WorkloadApiClient(h.socket("agent"), true)) {
      var validated = client.blocking(30).validateJWTSVID(
          io.synid.api.workload.ValidateJWTSVIDRequest.newBuilder().setAudience("federated")
              .setSvid(partnerToken).build());
      assertThat(validated.getSpiffeId()).isEqualTo("spiffe://partner.org/billing");
      assertThat(validated.getClaims().getFieldsMap().get("aud").getListValue().getValues(0)
          .getStringValue()).isEqualTo("federated");
    }
  }

  @Test
  void anUnreachableServerIsRetriedAndARestartLosesNothing() throws Exception {
    h.startServer(Optional.empty());
    String token = h.joinToken();
    String agentId = AgentHarness.joinTokenAgentId(token);
    h.createEntry(agentId, "/before", 0, "unix:uid:" + myUid());
    Path bootstrap = h.writeBootstrapBundle();
    h.stopServer();

    // The server is down at start: the agent serves its socket and keeps retrying.
    AgentDaemon agent = h.startAgent("agent", h.agentConfig("agent", "{joinToken: " + token + "}",
        bootstrap, h.agentApiPort, "1s"));
    Thread.sleep(3000);
    assertThat(agent.agentId()).isEmpty();
    assertThat(agent.terminated()).isNotDone();
    assertThat(h.socket("agent")).exists();

    h.startServer(Optional.empty());
    Awaitility.await().atMost(WAIT).until(() -> agent.state().svids().size() == 1);
    assertThat(fetch("agent").getSvids(0).getSpiffeId()).isEqualTo("spiffe://example.org/before");

    // Server down again with a workload's stream open: SVIDs already held are still served, and
    // the open stream carries on through the restart.
    List<X509SVIDResponse> streamed = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (WorkloadApiClient client = new WorkloadApiClient(h.socket("agent"), true)) {
      client.async().fetchX509SVID(X509SVIDRequest.getDefaultInstance(),
          new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(X509SVIDResponse value) {
              streamed.add(value);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });
      Awaitility.await().atMost(WAIT).until(() -> streamed.size() == 1);
      h.stopServer();
      assertThat(fetch("agent").getSvids(0).getSpiffeId()).isEqualTo("spiffe://example.org/before");
      h.startServer(Optional.empty());
      h.createEntry(agentId, "/after", 0, "unix:uid:" + myUid());
      Awaitility.await().atMost(WAIT).until(() ->
          streamed.get(streamed.size() - 1).getSvidsCount() == 2);
    }
    assertThat(fetch("agent").getSvidsCount()).isEqualTo(2);

    // The agent restarts from its stored SVID (the join token is spent and not needed again).
    agent.close();
    AgentDaemon again = h.startAgent("agent2", h.agentConfig("agent", "{joinToken: " + token + "}",
        bootstrap, h.agentApiPort, "1s"));
    Awaitility.await().atMost(WAIT).until(() -> again.state().svids().size() == 2);
    assertThat(again.agentId()).contains(agentId);
  }
}
