package io.synid.harness.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.synid.agent.AgentDaemon;
import io.synid.agent.cli.WorkloadApiClient;
import io.synid.api.workload.X509SVIDRequest;
import io.synid.api.workload.X509SVIDResponse;
import io.synid.core.x509.Pem;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our agent against a real SPIRE v1.15.3 server (binaries from {@code -Dsynid.spireDir}, built
 * by {@code scripts/build-spire.sh}): it attests with a SPIRE join token and serves SVIDs signed
 * by SPIRE, which go-spiffe verifies against SPIRE's bundle.
 */
class AgentAgainstSpireServerTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private AgentHarness h;
  private Process spire;
  private Path spireServer;
  private Path socket;

  @BeforeEach
  void setUp() throws Exception {
    h = new AgentHarness();
    Path spireDir = Path.of(System.getProperty("synid.spireDir",
        System.getProperty("user.home") + "/.cache/synid/spire-v1.15.3"));
    spireServer = spireDir.resolve("spire-server");
    if (!Files.isExecutable(spireServer)) {
      fail("spire-server v1.15.3 not found at " + spireServer
          + ": build it with scripts/build-spire.sh or pass -Dsynid.spireDir");
    }
    Path data = Files.createDirectories(h.dir.resolve("spire"));
    socket = data.resolve("api.sock");
    Path config = data.resolve("server.conf");
    Files.writeString(config, String.join("\n",
        "server {",
        "  bind_address = \"127.0.0.1\"",
        "  bind_port = \"" + h.agentApiPort + "\"",
        "  socket_path = \"" + socket + "\"",
        "  trust_domain = \"" + AgentHarness.TD + "\"",
        "  data_dir = \"" + data + "\"",
        "  log_level = \"WARN\"",
        "  ca_key_type = \"ec-p256\"",
        "}",
        "plugins {",
        "  DataStore \"sql\" { plugin_data { database_type = \"sqlite3\" connection_string = \""
            + data.resolve("datastore.sqlite3") + "\" } }",
        "  KeyManager \"disk\" { plugin_data { keys_path = \"" + data.resolve("keys.json") + "\" } }",
        "  NodeAttestor \"join_token\" { plugin_data {} }",
        "}", ""));
    spire = new ProcessBuilder(spireServer.toString(), "run", "-config", config.toString())
        .redirectErrorStream(true).redirectOutput(data.resolve("server.log").toFile()).start();
    Awaitility.await().atMost(WAIT).until(() -> spireCli("healthcheck").contains("healthy"));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (spire != null) {
      spire.destroy();
      spire.waitFor();
    }
    h.close();
  }

  private String spireCli(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(spireServer.toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("-socketPath", socket.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }

  /**
   * Asks SPIRE for a join token. A healthy spire-server can still refuse the first admin calls
   * for a moment while its CA is prepared, so this retries, and fails with SPIRE's last answer.
   */
  private String generateJoinToken() {
    AtomicReference<String> last = new AtomicReference<>("");
    try {
      return Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
          .until(() -> {
            last.set(spireCli("token", "generate"));
            return last.get().lines().filter(l -> l.startsWith("Token:"))
                .map(l -> l.split("\\s+")[1]).findFirst();
          }, Optional::isPresent).orElseThrow();
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("spire-server token generate never printed a token; last output: "
          + last.get(), e);
    }
  }

  @Test
  void attestsWithASpireJoinTokenAndServesSvidsSignedBySpire() throws Exception {
    String token = generateJoinToken();
    String bundlePem = spireCli("bundle", "show");
    Path bootstrap = h.dir.resolve("spire-bundle.pem");
    Files.writeString(bootstrap, bundlePem);
    String agentId = AgentHarness.joinTokenAgentId(token);
    String created = spireCli("entry", "create", "-parentID", agentId, "-spiffeID",
        "spiffe://example.org/from-spire", "-selector", "unix:uid:0");
    assertThat(created).contains("spiffe://example.org/from-spire");

    AgentDaemon agent = h.startAgent("agent", h.agentConfig("agent", "{joinToken: " + token + "}",
        bootstrap, h.agentApiPort, "1s"));
    Awaitility.await().atMost(WAIT).until(() -> agent.state().svids().size() == 1);
    assertThat(agent.agentId()).contains(agentId);
    assertThat(spireCli("agent", "list")).contains(agentId);

    // go-spiffe fetches the SVID from our agent and verifies it against the bundle it got.
    Map<String, Object> go = AgentHarness.json(h.run(0, WAIT, h.goValidator().toString(),
        "workload", "x509", "-socket", "unix://" + h.socket("agent")));
    assertThat(go).containsEntry("spiffe_id", "spiffe://example.org/from-spire")
        .containsEntry("verified", true);

    // The SVID chains to SPIRE's own CA, as `spire-server bundle show` prints it.
    X509SVIDResponse response;
    try (WorkloadApiClient client = new WorkloadApiClient(h.socket("agent"), true)) {
      response = client.blocking(30).fetchX509SVID(X509SVIDRequest.getDefaultInstance()).next();
    }
    List<X509Certificate> chain = new ArrayList<>();
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    ByteArrayInputStream in = new ByteArrayInputStream(response.getSvids(0).getX509Svid().toByteArray());
    while (in.available() > 0) {
      chain.add((X509Certificate) factory.generateCertificate(in));
    }
    PKIXParameters params = new PKIXParameters(Pem.decodeCertificates(bundlePem).stream()
        .map(root -> new TrustAnchor(root, null)).collect(Collectors.toSet()));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(factory.generateCertPath(chain), params);

    // JWT-SVIDs come from SPIRE too and validate through our agent.
    Map<String, Object> jwt = AgentHarness.json(h.run(0, WAIT, h.goValidator().toString(),
        "workload", "jwt", "-socket", "unix://" + h.socket("agent"), "-audience", "spire-test"));
    assertThat(jwt).containsEntry("spiffe_id", "spiffe://example.org/from-spire")
        .containsEntry("verified", true);
  }
}
