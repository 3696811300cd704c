package io.synid.harness.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.spiffe.provider.SpiffeSslContextFactory;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.workloadapi.DefaultJwtSource;
import io.spiffe.workloadapi.DefaultX509Source;
import io.spiffe.workloadapi.JwtSource;
import io.spiffe.workloadapi.JwtSourceOptions;
import io.spiffe.workloadapi.X509Source;
import io.synid.agent.AgentDaemon;
import io.synid.agent.cli.WorkloadApiClient;
import io.synid.api.workload.X509SVIDRequest;
import io.synid.api.workload.X509SVIDResponse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Synid agent's Workload API used by independent SPIFFE clients: java-spiffe in this JVM and
 * go-spiffe ({@code go-validator}) as processes under other uids, against a real identity server.
 */
class AgentWorkloadApiTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
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

  private static int myUid() throws Exception {
    return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue();
  }

  @Test
  void javaSpiffeSourcesAndSslContextsWorkWithTheAgent() throws Exception {
    String token = h.joinToken();
    String agentId = AgentHarness.joinTokenAgentId(token);
    h.createEntry(agentId, "/java/server", 0, "unix:uid:" + myUid());
    h.startJoinTokenAgent("agent", token);
    String socket = "unix:" + h.socket("agent");

    try (X509Source x509 = DefaultX509Source.newSource(DefaultX509Source.X509SourceOptions.builder()
            .spiffeSocketPath(socket).initTimeout(WAIT).build());
        JwtSource jwt = DefaultJwtSource.newSource(JwtSourceOptions.builder()
            .spiffeSocketPath(socket).initTimeout(WAIT).build())) {
      SpiffeId own = x509.getX509Svid().getSpiffeId();
      assertThat(own.toString()).isEqualTo("spiffe://example.org/java/server");
      X509Certificate leaf = x509.getX509Svid().getLeaf();
      assertThat(x509.getBundleForTrustDomain(own.getTrustDomain()).getX509Authorities())
          .anySatisfy(root -> assertThat(leaf.getIssuerX500Principal())
              .isEqualTo(root.getSubjectX500Principal()));

      JwtSvid token1 = jwt.fetchJwtSvid("audience-1", "audience-2");
      assertThat(token1.getSpiffeId()).isEqualTo(own);
      JwtSvid validated = JwtSvid.parseAndValidate(token1.getToken(), jwt, Set.of("audience-1"));
      assertThat(validated.getAudience()).contains("audience-1", "audience-2");

      // The provider's SSL contexts: a TLS server and client in this JVM, both with the SVID,
      // each accepting exactly the other's SPIFFE ID (the same ID here).
      SSLContext context = SpiffeSslContextFactory.getSslContext(
          SpiffeSslContextFactory.SslContextOptions.builder().x509Source(x509)
              .acceptedSpiffeIdsSupplier(() -> Set.of(own)).build());
      try (SSLServerSocket listener = (SSLServerSocket) context.getServerSocketFactory()
          .createServerSocket(0)) {
        listener.setNeedClientAuth(true);
        CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> {
          try (SSLSocket s = (SSLSocket) listener.accept()) {
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(),
                StandardCharsets.UTF_8)).readLine();
            X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
            new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8).println("ok " + line);
            return peer.getSubjectAlternativeNames().iterator().next().get(1).toString();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        try (SSLSocket client = (SSLSocket) context.getSocketFactory()
            .createSocket("127.0.0.1", listener.getLocalPort())) {
          new PrintWriter(client.getOutputStream(), true, StandardCharsets.UTF_8).println("ping");
          assertThat(new BufferedReader(new InputStreamReader(client.getInputStream(),
              StandardCharsets.UTF_8)).readLine()).isEqualTo("ok ping");
        }
        assertThat(served.get(30, TimeUnit.SECONDS)).isEqualTo(own.toString());
      }
    }
  }

  @Test
  void goSpiffeWorkloadsUnderDifferentUidsGetTheirOwnSvidsAndTalkMtls() throws Exception {
    String token = h.joinToken();
    String agentId = AgentHarness.joinTokenAgentId(token);
    h.createEntry(agentId, "/web", 0, "unix:uid:1001");
    h.createEntry(agentId, "/api", 0, "unix:uid:1002");
    AgentDaemon agent = h.startJoinTokenAgent("agent", token);
    Awaitility.await().atMost(WAIT).until(() -> agent.state().svids().size() == 2);
    String socket = "unix://" + h.socket("agent");
    String go = h.goValidator().toString();

    Map<String, Object> web = AgentHarness.json(h.run(1001, WAIT, go, "workload", "x509source",
        "-socket", socket));
    assertThat(web).containsEntry("spiffe_id", "spiffe://example.org/web");
    Map<String, Object> api = AgentHarness.json(h.run(1002, WAIT, go, "workload", "x509source",
        "-socket", socket));
    assertThat(api).containsEntry("spiffe_id", "spiffe://example.org/api");

    // A JWT-SVID fetched by one workload, validated through the Workload API by the other.
    Path tokens = Files.createDirectories(h.dir.resolve("tokens"));
    Files.setPosixFilePermissions(tokens, java.nio.file.attribute.PosixFilePermissions
        .fromString("rwxrwxrwx"));
    Map<String, Object> jwt = AgentHarness.json(h.run(1001, WAIT, go, "workload", "jwt",
        "-socket", socket, "-audience", "api", "-token-out", tokens.resolve("web.jwt").toString()));
    assertThat(jwt).containsEntry("spiffe_id", "spiffe://example.org/web");
    String tokenValue = Files.readString(tokens.resolve("web.jwt")).trim();
    assertThat(tokenValue).isNotBlank();
    Map<String, Object> validated = AgentHarness.json(h.run(1002, WAIT, go, "workload", "validate",
        "-socket", socket, "-audience", "api", "-svid", tokenValue));
    assertThat(validated).containsEntry("spiffe_id", "spiffe://example.org/web");
    assertThat(AgentHarness.json(h.run(1002, WAIT, go, "workload", "validate", "-socket", socket,
        "-audience", "someone-else", "-svid", tokenValue))).containsKey("error");

    // mTLS: the server (uid 1001) accepts only /api, the client (uid 1002) only /web.
    int port = AgentHarness.freePort();
    Path serveOut = h.dir.resolve("serve.out");
    Process serve = h.start(1001, serveOut, go, "workload", "serve", "-socket", socket,
        "-listen", "127.0.0.1:" + port, "-authorize", "spiffe://example.org/api", "-count", "2");
    Awaitility.await().atMost(WAIT).until(() -> Files.readString(serveOut).contains("listening"));
    Map<String, Object> dial = AgentHarness.json(h.run(1002, WAIT, go, "workload", "dial",
        "-socket", socket, "-addr", "127.0.0.1:" + port, "-authorize", "spiffe://example.org/web"));
    assertThat(dial).containsEntry("failed", 0);
    assertThat((String) dial.get("last_reply"))
        .contains("spiffe://example.org/api").contains("spiffe://example.org/web");
    // A client that expects another server ID refuses this one.
    Map<String, Object> wrong = AgentHarness.json(h.run(1002, WAIT, go, "workload", "dial",
        "-socket", socket, "-addr", "127.0.0.1:" + port, "-authorize", "spiffe://example.org/db"));
    assertThat(((Number) wrong.get("failed")).intValue()).isEqualTo(1);
    serve.destroy();

    // A uid without an entry gets no identity.
    assertThat(AgentHarness.json(h.run(1003, WAIT, go, "workload", "x509", "-socket", socket,
        "-timeout", "3s"))).containsKey("error");

    // Every SVID handed out is audited with the caller's uid and selectors.
    // (Through the agent's audit spool: the file gets them a moment after they are made.)
    Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(Files.readString(
        h.dir.resolve("agent").resolve("audit.jsonl"))).contains("\"event\":\"workload_svid\"",
            "\"uid\":1001", "\"spiffe_id\":\"spiffe://example.org/web\"", "\"uid\":1002",
            "unix:uid:1002"));
    String audit = Files.readString(h.dir.resolve("agent").resolve("audit.jsonl"));
    assertThat(audit).doesNotContain("PRIVATE KEY").doesNotContain(tokenValue);
  }

  @Test
  void entriesReachTheAgentWithinItsSyncIntervalAndWithdrawalsEndTheStream() throws Exception {
    String token = h.joinToken();
    String agentId = AgentHarness.joinTokenAgentId(token);
    String first = h.createEntry(agentId, "/first", 0, "unix:uid:" + myUid());
    AgentDaemon agent = h.startJoinTokenAgent("agent", token);
    Awaitility.await().atMost(WAIT).until(() -> agent.state().svids().size() == 1);

    List<X509SVIDResponse> messages = new CopyOnWriteArrayList<>();
    CompletableFuture<Status> ended = new CompletableFuture<>();
    try (WorkloadApiClient client = new WorkloadApiClient(h.socket("agent"), true)) {
      client.async().fetchX509SVID(X509SVIDRequest.getDefaultInstance(), new StreamObserver<>() {
        @Override
        public void onNext(X509SVIDResponse value) {
          messages.add(value);
        }

        @Override
        public void onError(Throwable t) {
          ended.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
          ended.complete(Status.OK);
        }
      });
      Awaitility.await().atMost(WAIT).until(() -> messages.size() == 1);
      String second = h.createEntry(agentId, "/second", 0, "unix:uid:" + myUid());
      // The agent syncs every second: the new SVID arrives on the open stream, as a full state.
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
          messages.get(messages.size() - 1).getSvidsCount() == 2);
      h.deleteEntry(first);
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
          messages.get(messages.size() - 1).getSvidsCount() == 1);
      assertThat(messages.get(messages.size() - 1).getSvids(0).getSpiffeId())
          .isEqualTo("spiffe://example.org/second");
      h.deleteEntry(second);
      Status status = ended.get(10, TimeUnit.SECONDS);
      assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(status.getDescription()).isEqualTo("no identity issued");
    }
  }

  @Test
  void callsWithoutTheSecurityHeaderAreRefused() throws Exception {
    String token = h.joinToken();
    h.createEntry(AgentHarness.joinTokenAgentId(token), "/w", 0, "unix:uid:" + myUid());
    h.startJoinTokenAgent("agent", token);
    try (WorkloadApiClient client = new WorkloadApiClient(h.socket("agent"), false)) {
      assertThatThrownBy(() -> client.blocking(10).fetchX509SVID(X509SVIDRequest.getDefaultInstance())
          .next())
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).isEqualTo("security header missing from request");
          });
    }
  }

  @Test
  void aSocketPathHoldingSomethingElseIsNeverReplaced() throws Exception {
    String token = h.joinToken();
    Path socket = h.socket("agent");
    Files.createDirectories(socket.getParent());
    Files.writeString(socket, "not a socket");
    assertThatThrownBy(() -> h.startJoinTokenAgent("agent", token))
        .hasMessageContaining("refusing to replace " + socket);
    assertThat(Files.readString(socket)).isEqualTo("not a socket");
  }
}
