package io.synid.server.agentapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.CreateJoinTokenRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.Selector;
import io.synid.core.x509.Pem;
import io.synid.server.IdentityServer;
import io.synid.server.TestServers;
import io.synid.server.datastore.DatastoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The spire-agent of SPIRE's official container image ({@code ghcr.io/spiffe/spire-agent:1.15.3})
 * against our identity server, for hosts with a Docker engine. Without one it is skipped; the same
 * checks always run with the binaries built from the Go module proxy in
 * {@link SpireAgentInteropTest}, which stays the test that must pass everywhere.
 */
@Testcontainers(disabledWithoutDocker = true)
class SpireAgentContainerTest {
  private static final String IMAGE = "ghcr.io/spiffe/spire-agent:1.15.3";
  private static final String TD = "example.org";

  private Path dir;
  private IdentityServer server;
  private ManagedChannel admin;
  private GenericContainer<?> agent;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "sac");
    server = TestServers.start(dir, DatastoreConfig.Kind.SQLITE);
    admin = TestServers.channel(server.settings().adminSocket());
  }

  @AfterEach
  void tearDown() throws Exception {
    if (agent != null) {
      agent.stop();
    }
    admin.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void theOfficialImageAttestsAndServesSvidsSignedByOurCa() throws Exception {
    String token = AgentGrpc.newBlockingStub(admin).createJoinToken(CreateJoinTokenRequest
        .newBuilder().setTtl(600).build()).getValue();
    String agentId = "spiffe://" + TD + "/spire/agent/join_token/" + token;
    EntryGrpc.newBlockingStub(admin).batchCreateEntry(BatchCreateEntryRequest.newBuilder()
        .addEntries(Entry.newBuilder()
            .setParentId(SPIFFEID.newBuilder().setTrustDomain(TD)
                .setPath(agentId.substring(("spiffe://" + TD).length())))
            .setSpiffeId(SPIFFEID.newBuilder().setTrustDomain(TD).setPath("/in-container"))
            .addSelectors(Selector.newBuilder().setType("unix").setValue("uid:0")))
        .build());
    Path bundle = dir.resolve("bundle.pem");
    Files.writeString(bundle, Pem.encodeCertificates(server.ca().bundle().x509Authorities()));
    Path config = dir.resolve("agent.conf");
    Files.writeString(config, String.join("\n",
        "agent {",
        "  data_dir = \"/tmp/agent\"",
        "  server_address = \"127.0.0.1\"",
        "  server_port = \"" + server.agentApiPort() + "\"",
        "  socket_path = \"/tmp/agent/api.sock\"",
        "  trust_bundle_path = \"/opt/spire/conf/bundle.pem\"",
        "  trust_domain = \"" + TD + "\"",
        "}",
        "plugins {",
        "  NodeAttestor \"join_token\" { plugin_data {} }",
        "  KeyManager \"memory\" { plugin_data {} }",
        "  WorkloadAttestor \"unix\" { plugin_data {} }",
        "}", ""));
    // Host networking: the server listens on the host's loopback.
    agent = new GenericContainer<>(DockerImageName.parse(IMAGE))
        .withNetworkMode("host")
        .withCopyFileToContainer(MountableFile.forHostPath(config), "/opt/spire/conf/agent.conf")
        .withCopyFileToContainer(MountableFile.forHostPath(bundle), "/opt/spire/conf/bundle.pem")
        .withCommand("run", "-config", "/opt/spire/conf/agent.conf", "-joinToken", token);
    agent.start();

    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
        .until(() -> agent.execInContainer("/opt/spire/bin/spire-agent", "api", "fetch", "x509",
            "-socketPath", "/tmp/agent/api.sock").getStdout()
            .contains("spiffe://example.org/in-container"));
    Container.ExecResult jwt = agent.execInContainer("/opt/spire/bin/spire-agent", "api", "fetch",
        "jwt", "-audience", "test", "-socketPath", "/tmp/agent/api.sock");
    assertThat(jwt.getStdout()).contains("token(spiffe://example.org/in-container):");
    assertThat(server.datastore().nodes().get(agentId)).isPresent();
  }
}
