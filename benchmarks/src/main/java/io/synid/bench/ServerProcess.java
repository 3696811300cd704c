package io.synid.bench;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.synid.api.spire.server.bundle.v1.BundleGrpc;
import io.synid.api.spire.server.bundle.v1.GetBundleRequest;
import io.synid.core.x509.Pem;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server under test, run as its own process (so its memory and CPU are its own): Synid's
 * identity server from its shaded jar, or SPIRE's spire-server binary. Both are driven through
 * their admin socket with the same gRPC client, since the APIs are wire-compatible, and both
 * serve the agent API on {@link #agentApiPort} on 127.0.0.1.
 *
 * <p>Both are configured alike: trust domain {@code example.org}, the given CA key type, a
 * 24-hour CA, 1-hour X509-SVIDs (agent SVIDs included), 5-minute JWT-SVIDs, log level WARN.
 */
final class ServerProcess implements AutoCloseable {
  static final String TRUST_DOMAIN = "example.org";

  /** One event loop for every admin channel of the run; daemon threads, so it never holds the JVM. */
  private static final EventLoopGroup ADMIN_LOOP = new MultiThreadIoEventLoopGroup(2,
      new DefaultThreadFactory("bench-admin", true), EpollIoHandler.newFactory());

  final String name;
  final Path socket;
  final int agentApiPort;
  private final Process process;

  private ServerProcess(String name, Path socket, int agentApiPort, Process process) {
    this.name = name;
    this.socket = socket;
    this.agentApiPort = agentApiPort;
    this.process = process;
  }

  /**
   * Starts Synid's server from its shaded jar and waits until its admin API reports SERVING and
   * its agent API accepts connections. {@code SYNID_SERVER_JAVA_OPTS} is passed to its JVM.
   *
   * @param datastoreYaml the {@code datastore:} block of the configuration, on one line
   */
  static ServerProcess synid(String name, Path jar, Path dir, String keyType, String datastoreYaml)
      throws Exception {
    Files.createDirectories(dir);
    Path socket = dir.resolve("admin").resolve("api.sock");
    Path config = dir.resolve("server.yaml");
    int agentPort = freePort();
    Files.writeString(config, String.join("\n",
        "trustDomain: " + TRUST_DOMAIN,
        "dataDir: " + dir.resolve("data"),
        "adminSocketPath: " + socket,
        "ca:",
        "  keyType: " + keyType,
        "  ttl: 24h",
        "svid: {defaultX509SvidTtl: 1h, defaultJwtSvidTtl: 5m}",
        datastoreYaml,
        "agentApi: {bindAddress: 127.0.0.1, port: " + agentPort + "}",
        "server:",
        "  type: simple",
        "  applicationContextPath: /application",
        "  adminContextPath: /",
        "  connector: {type: http, bindHost: 127.0.0.1, port: " + freePort() + "}",
        "logging:",
        "  level: WARN",
        ""));
    List<String> command = new ArrayList<>(List.of("java"));
    String opts = System.getenv().getOrDefault("SYNID_SERVER_JAVA_OPTS", "");
    if (!opts.isBlank()) {
      command.addAll(List.of(opts.trim().split("\\s+")));
    }
    command.addAll(List.of("-jar", jar.toString(), "run", "-config", config.toString()));
    Process p = new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
    return waitReady(new ServerProcess(name, socket, agentPort, p));
  }

  /** Starts spire-server with the SQLite datastore and SPIRE's defaults otherwise. */
  static ServerProcess spire(String name, Path spireDir, Path dir, String keyType) throws Exception {
    return spire(name, spireDir, dir, keyType, List.of());
  }

  /**
   * Starts spire-server with the SQLite datastore, the disk key manager and the join_token node
   * attestor, and waits as {@link #synid} does.
   *
   * <p>SPIRE's per-IP rate limits on attestation (1 per second) and on signing (500 CSRs per
   * second) are off: every simulated agent of a benchmark connects from 127.0.0.1, where a real
   * fleet has an address per node, and Synid has no such limiter. The admin API is never limited.
   *
   * @param experimental lines for the server's {@code experimental} block (empty: none)
   */
  static ServerProcess spire(String name, Path spireDir, Path dir, String keyType,
      List<String> experimental) throws Exception {
    Files.createDirectories(dir);
    Path socket = dir.resolve("api.sock");
    int agentPort = freePort();
    Path config = dir.resolve("server.conf");
    List<String> lines = new ArrayList<>(List.of(
        "server {",
        "  bind_address = \"127.0.0.1\"",
        "  bind_port = \"" + agentPort + "\"",
        "  socket_path = \"" + socket + "\"",
        "  trust_domain = \"" + TRUST_DOMAIN + "\"",
        "  data_dir = \"" + dir + "\"",
        "  log_level = \"WARN\"",
        "  ca_key_type = \"" + keyType + "\"",
        "  ca_ttl = \"24h\"",
        "  default_x509_svid_ttl = \"1h\"",
        "  agent_ttl = \"1h\"",
        "  default_jwt_svid_ttl = \"5m\"",
        "  ratelimit { attestation = false signing = false }"));
    if (!experimental.isEmpty()) {
      lines.add("  experimental {");
      experimental.forEach(l -> lines.add("    " + l));
      lines.add("  }");
    }
    lines.addAll(List.of(
        "}",
        "plugins {",
        "  DataStore \"sql\" { plugin_data { database_type = \"sqlite3\" connection_string = \""
            + dir.resolve("datastore.sqlite3") + "\" } }",
        "  KeyManager \"disk\" { plugin_data { keys_path = \"" + dir.resolve("keys.json") + "\" } }",
        "  NodeAttestor \"join_token\" { plugin_data {} }",
        "}", ""));
    Files.writeString(config, String.join("\n", lines));
    Process p = new ProcessBuilder(spireDir.resolve("spire-server").toString(), "run", "-config",
        config.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
    return waitReady(new ServerProcess(name, socket, agentPort, p));
  }

  /** A TCP port free on 127.0.0.1 right now (another process could still take it first). */
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static ServerProcess waitReady(ServerProcess server) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!server.process.isAlive()) {
        throw new IllegalStateException(server.name + " exited with " + server.process.exitValue());
      }
      if (Files.exists(server.socket) && server.serving() && server.agentApiListening()) {
        return server;
      }
      Thread.sleep(200);
    }
    server.close();
    throw new IllegalStateException(server.name + " did not become ready");
  }

  private boolean serving() {
    ManagedChannel ch = channel();
    try {
      HealthCheckResponse r = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance());
      return r.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
    } catch (RuntimeException e) {
      return false; // not ready yet
    } finally {
      ch.shutdownNow();
    }
  }

  private boolean agentApiListening() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), agentApiPort), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A new plaintext channel to the admin socket; the caller shuts it down. */
  ManagedChannel channel() {
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(ADMIN_LOOP)
        .usePlaintext()
        .maxInboundMessageSize(256 * 1024 * 1024)
        .build();
  }

  /** The X.509 authorities of the server's own trust bundle, from the admin API. */
  List<X509Certificate> x509Authorities() throws Exception {
    ManagedChannel ch = channel();
    try {
      List<X509Certificate> roots = new ArrayList<>();
      for (var authority : BundleGrpc.newBlockingStub(ch).getBundle(GetBundleRequest.getDefaultInstance())
          .getX509AuthoritiesList()) {
        roots.add(Pem.certificateFromDer(authority.getAsn1().toByteArray()));
      }
      return roots;
    } finally {
      ch.shutdownNow();
    }
  }

  /** Resident set size of the server process in MiB. */
  long rssMib() throws IOException {
    return statusMib("VmRSS:");
  }

  /** Peak resident set size (VmHWM) in MiB, since the start or the last {@link #resetPeakRss}. */
  long peakRssMib() throws IOException {
    return statusMib("VmHWM:");
  }

  /** Restarts the peak RSS from the current RSS ({@code clear_refs} value 5, Linux 4.0+). */
  void resetPeakRss() throws IOException {
    Files.writeString(Path.of("/proc", Long.toString(process.pid()), "clear_refs"), "5");
  }

  private long statusMib(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }

  /** CPU time (user + system) consumed by the server so far, in seconds (100 ticks a second). */
  double cpuSeconds() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
    List<String> f = List.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
    return (Long.parseLong(f.get(11)) + Long.parseLong(f.get(12))) / 100.0;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
