package io.synid.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A node agent under test, run as its own process (so its memory and CPU are its own): Synid's
 * agent from its shaded jar, or SPIRE's spire-agent binary. Both attest to the same server with a
 * join token and serve the SPIFFE Workload API on a Unix socket.
 */
final class AgentProcess implements AutoCloseable {
  final String name;
  final Path socket;
  final Path log;
  private final Process process;

  private AgentProcess(String name, Path socket, Path log, Process process) {
    this.name = name;
    this.socket = socket;
    this.log = log;
    this.process = process;
  }

  /**
   * Synid's agent, started as {@code bin/synid-agent run} starts it: {@code java -jar}, with the
   * JVM's defaults unless {@code SYNID_AGENT_JAVA_OPTS} is set.
   */
  static AgentProcess synid(String name, Path jar, Path dir, int serverPort, Path bootstrapBundle,
      String joinToken, String syncInterval) throws IOException {
    Files.createDirectories(dir);
    Path socket = dir.resolve("api").resolve("api.sock");
    Path config = dir.resolve("agent.yaml");
    Files.writeString(config, String.join("\n",
        "trustDomain: example.org",
        "dataDir: " + dir.resolve("data"),
        "server: {address: 127.0.0.1, port: " + serverPort + "}",
        "trustBundle: {path: " + bootstrapBundle + "}",
        "nodeAttestor: {joinToken: " + joinToken + "}",
        "workloadAttestors: {unix: {}}",
        "workloadApi: {socketPath: " + socket + "}",
        "syncInterval: " + syncInterval,
        ""));
    List<String> command = new ArrayList<>(List.of("java"));
    String opts = System.getenv().getOrDefault("SYNID_AGENT_JAVA_OPTS", "");
    if (!opts.isBlank()) {
      command.addAll(List.of(opts.trim().split("\\s+")));
    }
    command.addAll(List.of("-jar", jar.toString(), "run", "-config", config.toString()));
    Path log = dir.resolve("agent.log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
        .start();
    return new AgentProcess(name, socket, log, p);
  }

  /**
   * SPIRE's spire-agent with the join_token node attestor, the disk key manager and the unix
   * workload attestor (as interop/spire/conf/agent.conf.tmpl), at its default log level (INFO).
   * {@code syncInterval} goes to {@code experimental { sync_interval }}.
   */
  static AgentProcess spire(String name, Path spireDir, Path dir, int serverPort,
      Path bootstrapBundle, String joinToken, String syncInterval) throws IOException {
    Files.createDirectories(dir);
    Path socket = dir.resolve("api.sock");
    Path data = Files.createDirectories(dir.resolve("data"));
    Path config = dir.resolve("agent.conf");
    Files.writeString(config, String.join("\n",
        "agent {",
        "  data_dir = \"" + data + "\"",
        "  log_level = \"INFO\"",
        "  server_address = \"127.0.0.1\"",
        "  server_port = \"" + serverPort + "\"",
        "  socket_path = \"" + socket + "\"",
        "  trust_bundle_path = \"" + bootstrapBundle + "\"",
        "  trust_domain = \"example.org\"",
        "  experimental {",
        "    sync_interval = \"" + syncInterval + "\"",
        "  }",
        "}",
        "plugins {",
        "  NodeAttestor \"join_token\" { plugin_data {} }",
        "  KeyManager \"disk\" { plugin_data { directory = \"" + data + "\" } }",
        "  WorkloadAttestor \"unix\" { plugin_data {} }",
        "}", ""));
    Path log = dir.resolve("agent.log");
    Process p = new ProcessBuilder(spireDir.resolve("spire-agent").toString(), "run", "-config",
        config.toString(), "-joinToken", joinToken)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new AgentProcess(name, socket, log, p);
  }

  boolean alive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** Resident set size in KiB ({@code VmRSS}). */
  long rssKib() throws IOException {
    return statusField("VmRSS:");
  }

  /** Number of threads of the process. */
  long threads() throws IOException {
    return statusField("Threads:");
  }

  private long statusField(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  /** CPU time (user + system) consumed so far, in seconds. */
  double cpuSeconds() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }

  /** The last lines of the agent's log, for error messages. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
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
