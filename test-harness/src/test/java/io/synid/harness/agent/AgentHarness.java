package io.synid.harness.agent;

import static org.assertj.core.api.Assertions.fail;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.synid.agent.AgentDaemon;
import io.synid.agent.config.AgentSettings;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.BanAgentRequest;
import io.synid.api.spire.server.agent.v1.CreateJoinTokenRequest;
import io.synid.api.spire.server.agent.v1.DeleteAgentRequest;
import io.synid.api.spire.server.bundle.v1.BundleGrpc;
import io.synid.api.spire.server.bundle.v1.GetBundleRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryResponse;
import io.synid.api.spire.server.entry.v1.BatchDeleteEntryRequest;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.Selector;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.KeyType;
import io.synid.core.x509.Pem;
import io.synid.server.IdentityServer;
import io.synid.server.agentapi.AgentApiSettings;
import io.synid.server.ca.CaSettings;
import io.synid.server.datastore.DatastoreConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real identity server and real Synid agents in this JVM, with workloads as real processes:
 * the fixture of the agent's end-to-end tests. Everything lives in one directory under /tmp
 * (Unix socket paths must stay short) that other users can traverse, so that workloads running
 * under other uids reach the Workload API socket.
 */
final class AgentHarness implements AutoCloseable {
  static final String TD = "example.org";

  final Path dir;
  final int agentApiPort;
  /** The server's default X509-SVID lifetime, which is also the agent SVIDs' lifetime. */
  Duration defaultX509SvidTtl = Duration.ofHours(1);
  private final List<AgentDaemon> agents = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private IdentityServer server;
  private IdentityServer.Settings serverSettings;
  private ManagedChannel admin;
  private MultiThreadIoEventLoopGroup adminGroup;

  AgentHarness() throws IOException {
    dir = Files.createTempDirectory(Path.of("/tmp"), "sag");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    agentApiPort = freePort();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Server settings: SQLite, EC P-256 CA with a 24 h lifetime, the agent API on a fixed port. */
  IdentityServer.Settings serverSettings(Optional<Path> x509popCa) throws Exception {
    TrustDomain td = TrustDomain.parse(TD);
    Path serverDir = Files.createDirectories(dir.resolve("server"));
    return new IdentityServer.Settings(td,
        DatastoreConfig.sqlite(serverDir.resolve("datastore.sqlite3").toString()),
        new CaSettings(td, KeyType.EC_P256, KeyType.EC_P256, Duration.ofHours(24),
            Duration.ofMinutes(5), serverDir.resolve("ca"), Optional.empty()),
        defaultX509SvidTtl, Duration.ofMinutes(5), serverDir.resolve("admin").resolve("api.sock"),
        serverDir.resolve("audit.jsonl"),
        new AgentApiSettings(new InetSocketAddress("127.0.0.1", agentApiPort), x509popCa));
  }

  /** Starts (or restarts, with the same data) the identity server. */
  IdentityServer startServer(Optional<Path> x509popCa) throws Exception {
    if (serverSettings == null) {
      serverSettings = serverSettings(x509popCa);
    }
    server = new IdentityServer(serverSettings, Clock.systemUTC());
    server.start();
    if (admin == null) {
      adminGroup = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
      admin = NettyChannelBuilder.forAddress(new DomainSocketAddress(
              serverSettings.adminSocket().toString()))
          .channelType(EpollDomainSocketChannel.class).eventLoopGroup(adminGroup)
          .usePlaintext().build();
    }
    return server;
  }

  void stopServer() throws Exception {
    server.close();
    server = null;
  }

  IdentityServer server() {
    return server;
  }

  /** Writes our bundle's X.509 roots as PEM (the agents' bootstrap bundle). */
  Path writeBootstrapBundle() throws Exception {
    var bundle = BundleGrpc.newBlockingStub(admin).getBundle(GetBundleRequest.getDefaultInstance());
    List<X509Certificate> roots = new ArrayList<>();
    for (var authority : bundle.getX509AuthoritiesList()) {
      roots.add(Pem.certificateFromDer(authority.getAsn1().toByteArray()));
    }
    Path file = dir.resolve("bootstrap.pem");
    Files.writeString(file, Pem.encodeCertificates(roots));
    return file;
  }

  String joinToken() {
    return AgentGrpc.newBlockingStub(admin).createJoinToken(CreateJoinTokenRequest.newBuilder()
        .setTtl(600).build()).getValue();
  }

  static String joinTokenAgentId(String token) {
    return "spiffe://" + TD + "/spire/agent/join_token/" + token;
  }

  /** Creates an entry and returns its ID. */
  String createEntry(String parentId, String path, int x509TtlSeconds, String... selectors) {
    Entry.Builder entry = Entry.newBuilder().setParentId(spiffeId(parentId))
        .setSpiffeId(SPIFFEID.newBuilder().setTrustDomain(TD).setPath(path))
        .setX509SvidTtl(x509TtlSeconds);
    for (String selector : selectors) {
      int colon = selector.indexOf(':');
      entry.addSelectors(Selector.newBuilder().setType(selector.substring(0, colon))
          .setValue(selector.substring(colon + 1)));
    }
    BatchCreateEntryResponse response = EntryGrpc.newBlockingStub(admin).batchCreateEntry(
        BatchCreateEntryRequest.newBuilder().addEntries(entry).build());
    var result = response.getResults(0);
    if (result.getStatus().getCode() != 0) {
      fail("entry not created: " + result.getStatus().getMessage());
    }
    return result.getEntry().getId();
  }

  /** Creates an entry whose SVIDs carry the federated bundles of {@code federatesWith}. */
  String createFederatedEntry(String parentId, String path, String federatesWith, String selector) {
    int colon = selector.indexOf(':');
    var result = EntryGrpc.newBlockingStub(admin).batchCreateEntry(BatchCreateEntryRequest
        .newBuilder().addEntries(Entry.newBuilder().setParentId(spiffeId(parentId))
            .setSpiffeId(SPIFFEID.newBuilder().setTrustDomain(TD).setPath(path))
            .addFederatesWith(federatesWith)
            .addSelectors(Selector.newBuilder().setType(selector.substring(0, colon))
                .setValue(selector.substring(colon + 1)))).build()).getResults(0);
    if (result.getStatus().getCode() != 0) {
      fail("entry not created: " + result.getStatus().getMessage());
    }
    return result.getEntry().getId();
  }

  /** Sets a federated bundle on the server (as {@code bundle set} does). */
  void setFederatedBundle(io.synid.api.spire.types.Bundle bundle) {
    var response = BundleGrpc.newBlockingStub(admin).batchSetFederatedBundle(
        io.synid.api.spire.server.bundle.v1.BatchSetFederatedBundleRequest.newBuilder()
            .addBundle(bundle).build());
    if (response.getResults(0).getStatus().getCode() != 0) {
      fail("federated bundle not set: " + response.getResults(0).getStatus().getMessage());
    }
  }

  /** Applies one policy file through the admin API; returns the policy set's new version. */
  long applyPolicy(String sourceName, String yaml) {
    return policies().applyPolicies(io.synid.api.policy.v1.ApplyPoliciesRequest.newBuilder()
        .setSourceName(sourceName).setYaml(yaml).build()).getVersion();
  }

  /** Waits (up to a minute) until {@code agent}'s kernel holds policy version {@code version}. */
  static void awaitPolicy(AgentDaemon agent, long version) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
        agent.handshake().isPresent() && agent.handshake().get().installedPolicyVersion() == version);
  }

  io.synid.api.policy.v1.PolicyGrpc.PolicyBlockingStub policies() {
    return io.synid.api.policy.v1.PolicyGrpc.newBlockingStub(admin);
  }

  io.synid.api.policy.v1.FlowsGrpc.FlowsBlockingStub flows() {
    return io.synid.api.policy.v1.FlowsGrpc.newBlockingStub(admin);
  }

  void deleteEntry(String id) {
    EntryGrpc.newBlockingStub(admin).batchDeleteEntry(BatchDeleteEntryRequest.newBuilder()
        .addIds(id).build());
  }

  void evict(String agentId) {
    AgentGrpc.newBlockingStub(admin).deleteAgent(DeleteAgentRequest.newBuilder()
        .setId(spiffeId(agentId)).build());
  }

  void ban(String agentId) {
    AgentGrpc.newBlockingStub(admin).banAgent(BanAgentRequest.newBuilder()
        .setId(spiffeId(agentId)).build());
  }

  static SPIFFEID spiffeId(String id) {
    String rest = id.substring("spiffe://".length());
    int slash = rest.indexOf('/');
    return SPIFFEID.newBuilder().setTrustDomain(rest.substring(0, slash))
        .setPath(rest.substring(slash)).build();
  }

  /** The YAML of an agent configuration; {@code nodeAttestor} is the YAML value of that key. */
  String agentConfig(String name, String nodeAttestor, Path bootstrap, int serverPort,
      String syncInterval) {
    return String.join("\n",
        "trustDomain: " + TD,
        "dataDir: " + dir.resolve(name),
        "server: {address: 127.0.0.1, port: " + serverPort + "}",
        "trustBundle: {path: " + bootstrap + "}",
        "nodeAttestor: " + nodeAttestor,
        "workloadApi: {socketPath: " + socket(name) + "}",
        "syncInterval: " + syncInterval, "");
  }

  Path socket(String name) {
    return dir.resolve(name + "-api").resolve("api.sock");
  }

  /** Starts an agent in this JVM from configuration text. */
  AgentDaemon startAgent(String name, String yaml) throws Exception {
    AgentDaemon agent = AgentDaemon.start(AgentSettings.parse(name, yaml), Clock.systemUTC());
    agents.add(agent);
    return agent;
  }

  /** A join-token agent syncing every second, against our server. */
  AgentDaemon startJoinTokenAgent(String name, String token) throws Exception {
    return startAgent(name, agentConfig(name, "{joinToken: " + token + "}", writeBootstrapBundle(),
        agentApiPort, "1s"));
  }

  /** The go-spiffe CLI, copied where every user can run it. */
  Path goValidator() throws IOException {
    String configured = System.getProperty("synid.goValidator", "");
    Path source = configured.isEmpty()
        ? Path.of(System.getProperty("user.home"), ".cache/synid/bin/go-validator")
        : Path.of(configured);
    if (!Files.isExecutable(source)) {
      fail("go-validator not found at " + source + ": build it with scripts/build-go-validator.sh"
          + " or pass -Dsynid.goValidator");
    }
    Path copy = dir.resolve("go-validator");
    if (!Files.exists(copy)) {
      Files.copy(source, copy);
      Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return copy;
  }

  /** Starts a process, as {@code uid} (and its gid) when uid is not negative. */
  Process start(int uid, Path output, String... command) throws IOException {
    List<String> full = new ArrayList<>();
    if (uid >= 0) {
      full.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
    }
    full.addAll(List.of(command));
    Process p = new ProcessBuilder(full).redirectErrorStream(false)
        .redirectOutput(output.toFile()).redirectError(output.resolveSibling(
            output.getFileName() + ".err").toFile()).start();
    processes.add(p);
    return p;
  }

  /** Runs a process to completion and returns its standard output. */
  String run(int uid, Duration timeout, String... command) throws Exception {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Process p = start(uid, out, command);
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("timed out: " + String.join(" ", command) + "\n" + Files.readString(out));
    }
    return Files.readString(out);
  }

  static Map<String, Object> json(String line) throws IOException {
    @SuppressWarnings("unchecked")
    Map<String, Object> map = new com.fasterxml.jackson.databind.ObjectMapper()
        .readValue(line.trim().lines().reduce((a, b) -> b).orElse("{}"), LinkedHashMap.class);
    return map;
  }

  @Override
  public void close() throws Exception {
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    for (AgentDaemon agent : agents) {
      agent.close();
    }
    if (admin != null) {
      admin.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      adminGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
