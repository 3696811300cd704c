package io.synid.bench;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server under test, run as its own process (so its memory and CPU are its own): Synid's
 * identity server from its shaded jar, or SPIRE's spire-server binary. Both are driven through
 * their admin socket with the same gRPC client, since the APIs are wire-compatible.
 */
final class ServerProcess implements AutoCloseable {
  final String name;
  final Path socket;
  private final Process process;

  private ServerProcess(String name, Path socket, Process process) {
    this.name = name;
    this.socket = socket;
    this.process = process;
  }

  static ServerProcess synid(String name, Path jar, Path dir, String keyType, String datastoreYaml)
      throws Exception {
    Files.createDirectories(dir);
    Path socket = dir.resolve("admin").resolve("api.sock");
    Path config = dir.resolve("server.yaml");
    int port = 20000 + (int) (Math.random() * 20000);
    Files.writeString(config, String.join("\n",
        "trustDomain: example.org",
        "dataDir: " + dir.resolve("data"),
        "adminSocketPath: " + socket,
        "ca:",
        "  keyType: " + keyType,
        datastoreYaml,
        "agentApi: {bindAddress: 127.0.0.1, port: 0}",
        "server:",
        "  type: simple",
        "  applicationContextPath: /application",
        "  adminContextPath: /",
        "  connector: {type: http, bindHost: 127.0.0.1, port: " + port + "}",
        "logging:",
        "  level: WARN",
        ""));
    List<String> command = new java.util.ArrayList<>(List.of("java"));
    String opts = System.getenv().getOrDefault("SYNID_SERVER_JAVA_OPTS", "");
    if (!opts.isBlank()) {
      command.addAll(List.of(opts.trim().split("\\s+")));
    }
    command.addAll(List.of("-jar", jar.toString(), "run", "-config", config.toString()));
    Process p = new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
    return waitHealthy(new ServerProcess(name, socket, p));
  }

  /**
   * A Synid server whose agent API listens on {@code agentApiPort} of 127.0.0.1, for benchmarks
   * that attest agents to it (SQLite, EC P-256 CA, logging at WARN).
   */
  static ServerProcess synidWithAgentApi(String name, Path jar, Path dir, int agentApiPort)
      throws Exception {
    Files.createDirectories(dir);
    Path socket = dir.resolve("admin").resolve("api.sock");
    Path config = dir.resolve("server.yaml");
    int port = 20000 + (int) (Math.random() * 20000);
    Files.writeString(config, String.join("\n",
        "trustDomain: example.org",
        "dataDir: " + dir.resolve("data"),
        "adminSocketPath: " + socket,
        "ca: {keyType: ec-p256}",
        "datastore: {type: sqlite}",
        "agentApi: {bindAddress: 127.0.0.1, port: " + agentApiPort + "}",
        "server:",
        "  type: simple",
        "  applicationContextPath: /application",
        "  adminContextPath: /",
        "  connector: {type: http, bindHost: 127.0.0.1, port: " + port + "}",
        "logging:",
        "  level: WARN",
        ""));
    List<String> command = new java.util.ArrayList<>(List.of("java"));
    String opts = System.getenv().getOrDefault("SYNID_SERVER_JAVA_OPTS", "");
    if (!opts.isBlank()) {
      command.addAll(List.of(opts.trim().split("\\s+")));
    }
    command.addAll(List.of("-jar", jar.toString(), "run", "-config", config.toString()));
    Process p = new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
    return waitHealthy(new ServerProcess(name, socket, p));
  }

  static ServerProcess spire(String name, Path spireDir, Path dir, String keyType) throws Exception {
    Files.createDirectories(dir);
    Path socket = dir.resolve("api.sock");
    int port = 20000 + (int) (Math.random() * 20000);
    Path config = dir.resolve("server.conf");
    Files.writeString(config, String.join("\n",
        "server {",
        "  bind_address = \"127.0.0.1\"",
        "  bind_port = \"" + port + "\"",
        "  socket_path = \"" + socket + "\"",
        "  trust_domain = \"example.org\"",
        "  data_dir = \"" + dir + "\"",
        "  log_level = \"WARN\"",
        "  ca_key_type = \"" + keyType + "\"",
        "}",
        "plugins {",
        "  DataStore \"sql\" { plugin_data { database_type = \"sqlite3\" connection_string = \""
            + dir.resolve("datastore.sqlite3") + "\" } }",
        "  KeyManager \"disk\" { plugin_data { keys_path = \"" + dir.resolve("keys.json") + "\" } }",
        "  NodeAttestor \"join_token\" { plugin_data {} }",
        "}", ""));
    Process p = new ProcessBuilder(spireDir.resolve("spire-server").toString(), "run", "-config",
        config.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
    return waitHealthy(new ServerProcess(name, socket, p));
  }

  private static ServerProcess waitHealthy(ServerProcess server) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!server.process.isAlive()) {
        throw new IllegalStateException(server.name + " exited with " + server.process.exitValue());
      }
      if (Files.exists(server.socket)) {
        ManagedChannel ch = server.channel();
        try {
          HealthCheckResponse r = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance());
          if (r.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
            return server;
          }
        } catch (RuntimeException e) {
          // not ready yet
        } finally {
          ch.shutdownNow();
        }
      }
      Thread.sleep(200);
    }
    server.close();
    throw new IllegalStateException(server.name + " did not become healthy");
  }

  ManagedChannel channel() {
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory()))
        .usePlaintext()
        .maxInboundMessageSize(256 * 1024 * 1024)
        .build();
  }

  /** Resident set size of the server process in MiB. */
  long rssMib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }

  /** CPU time (user + system) consumed by the server so far, in seconds. */
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
