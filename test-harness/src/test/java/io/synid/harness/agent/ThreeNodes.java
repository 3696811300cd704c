package io.synid.harness.agent;

import io.synid.agent.AgentDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Three simulated nodes for end-to-end tests: each a network namespace on a shared bridge
 * (10.197.0.1-3/24) with its own cgroup v2 subtree and its own Synid agent (in this JVM, with
 * the handshake datapath on that subtree), all attested to one identity server. Workloads are
 * real processes placed in a cgroup of their node, in its namespace, under their own uid.
 * {@link #close()} removes everything, also after a partial start.
 */
final class ThreeNodes implements AutoCloseable {
  static final List<String> ADDRESSES = List.of("10.197.0.1", "10.197.0.2", "10.197.0.3");

  final AgentHarness h;
  final String tag = "se2e" + ProcessHandle.current().pid();
  final Path cgroupRoot =
      io.synid.harness.handshake.KernelPrerequisites.check().resolve(tag);
  final Path workloadScript;
  final List<String> tokens = new ArrayList<>();
  final List<AgentDaemon> agents = new ArrayList<>();
  private final List<Runnable> cleanup = new ArrayList<>();

  ThreeNodes(AgentHarness h) throws IOException {
    this.h = h;
    workloadScript = h.dir.resolve("tcp-workload.pl");
    try (var in = ThreeNodes.class.getResourceAsStream("/e2e/tcp-workload.pl")) {
      Files.copy(in, workloadScript, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.setPosixFilePermissions(workloadScript, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  static String run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + List.of(command));
      }
      String out = new String(p.getInputStream().readAllBytes());
      if (p.exitValue() != 0) {
        throw new IllegalStateException(List.of(command) + " exited " + p.exitValue() + ": " + out);
      }
      return out;
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("cannot run " + List.of(command), e);
    }
  }

  static String ns(int node) {
    return "se2e" + ProcessHandle.current().pid() + "n" + node;
  }

  /** Creates the namespaces, the bridge and the cgroups. */
  void buildNetwork() throws IOException {
    String bridge = tag + "br";
    run("ip", "link", "add", bridge, "type", "bridge");
    cleanup.add(() -> quietly("ip", "link", "del", bridge));
    run("ip", "link", "set", bridge, "up");
    Files.createDirectories(cgroupRoot);
    cleanup.add(this::removeCgroups);
    for (int i = 1; i <= 3; i++) {
      String ns = ns(i);
      run("ip", "netns", "add", ns);
      cleanup.add(() -> quietly("ip", "netns", "del", ns));
      run("ip", "-n", ns, "link", "set", "lo", "up");
      String outside = tag + "v" + i;
      run("ip", "link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", ns);
      run("ip", "link", "set", outside, "master", bridge, "up");
      run("ip", "-n", ns, "addr", "add", ADDRESSES.get(i - 1) + "/24", "dev", "eth0");
      run("ip", "-n", ns, "link", "set", "eth0", "up");
      Files.createDirectories(nodeCgroup(i));
    }
  }

  Path nodeCgroup(int node) {
    return cgroupRoot.resolve("n" + node);
  }

  /** Starts node {@code node}'s agent with the datapath on its cgroup subtree. */
  AgentDaemon startAgent(int node) throws Exception {
    return startAgent(node, "1s");
  }

  /** Starts node {@code node}'s agent with the given sync interval (e.g. "1s", "1h"). */
  AgentDaemon startAgent(int node, String syncInterval) throws Exception {
    return startAgent(node, syncInterval, "{forwardToServer: true}");
  }

  /**
   * {@link #startAgent(int, String)} with another {@code audit:} configuration (a YAML flow
   * mapping).
   */
  AgentDaemon startAgent(int node, String syncInterval, String audit) throws Exception {
    String token = tokens.size() >= node ? tokens.get(node - 1) : h.joinToken();
    if (tokens.size() < node) {
      tokens.add(token);
    }
    String name = "agent" + node;
    String handshake = "{cgroup: " + nodeCgroup(node) + ", addresses: [" + ADDRESSES.get(node - 1)
        + "/32], lifetime: failOpen, pinDirectory: /sys/fs/bpf/" + tag + "n" + node + "}";
    AgentDaemon agent = h.startAgent(name, h.agentConfig(name, "{joinToken: " + token + "}",
        h.writeBootstrapBundle(), h.agentApiPort, syncInterval) + "handshake: " + handshake + "\n"
        + "audit: " + audit + "\n");
    agents.add(agent);
    return agent;
  }

  /**
   * Starts node {@code node}'s agent as its own process ({@code agent/target/synid-agent.jar}),
   * with a fail-closed datapath pinned under {@code pins} (a bpffs directory), so that the test
   * can kill it with SIGKILL. Its configuration stays in {@code <dir>/agent<node>.yaml} for a
   * restart with {@link #restartAgentProcess}.
   */
  Process startAgentProcess(int node, Path pins) throws Exception {
    String token = h.joinToken();
    tokens.add(token);
    String name = "agent" + node;
    String handshake = "{cgroup: " + nodeCgroup(node) + ", addresses: [" + ADDRESSES.get(node - 1)
        + "/32], lifetime: failClosed, pinDirectory: " + pins + "}";
    Files.writeString(h.dir.resolve(name + ".yaml"), h.agentConfig(name, "{joinToken: " + token
        + "}", h.writeBootstrapBundle(), h.agentApiPort, "1s") + "handshake: " + handshake + "\n"
        + "audit: {forwardToServer: true}\n");
    return restartAgentProcess(node);
  }

  /** Starts the agent process of {@code node} again from its configuration and data. */
  Process restartAgentProcess(int node) throws Exception {
    Path jar = Path.of(System.getProperty("user.dir")).getParent()
        .resolve("agent/target/synid-agent.jar");
    String name = "agent" + node;
    return h.start(-1, h.dir.resolve(name + "-" + System.nanoTime() + ".out"), "java", "-jar",
        jar.toString(), "run", "-config", h.dir.resolve(name + ".yaml").toString());
  }

  /**
   * Creates node {@code node}'s join token before its agent starts (nodes in order), so that
   * entries can name the agent as their parent before its first sync; returns the agent's ID.
   */
  String reserveAgentId(int node) throws Exception {
    if (tokens.size() != node - 1) {
      throw new IllegalStateException("reserve node " + (tokens.size() + 1) + " first");
    }
    tokens.add(h.joinToken());
    return agentId(node);
  }

  String agentId(int node) {
    return AgentHarness.joinTokenAgentId(tokens.get(node - 1));
  }

  /**
   * Starts a long-running workload process: in cgroup {@code n<node>/<name>}, in the node's
   * namespace, as {@code uid}.
   */
  Process startWorkload(int node, String name, int uid, String... args) throws Exception {
    Path cgroup = Files.createDirectories(nodeCgroup(node).resolve(name));
    return startWorkloadIn(cgroup, node, uid, h.dir.resolve("n" + node + "-" + name + ".out"),
        args);
  }

  /** Runs a short workload command (a client) to completion in an existing workload's cgroup. */
  Map<String, Object> runClient(int node, String name, int uid, Duration timeout, String... args)
      throws Exception {
    return runClientIn(nodeCgroup(node).resolve(name), node, uid, timeout, args);
  }

  /**
   * A cgroup beside the node cgroups, under the same root: processes in it run in a node's
   * namespace but no node's datapath sees their sockets (plain TCP on the same devices).
   */
  Path outsideCgroup(String name) throws IOException {
    return Files.createDirectories(cgroupRoot.resolve(name));
  }

  /** Starts a long-running workload process in {@code cgroup}, in the node's namespace. */
  Process startWorkloadIn(Path cgroup, int node, int uid, Path out, String... args)
      throws Exception {
    return h.start(-1, out, workloadCommand(cgroup, node, uid, args));
  }

  /** Runs a short workload command to completion in {@code cgroup}, in the node's namespace. */
  Map<String, Object> runClientIn(Path cgroup, int node, int uid, Duration timeout,
      String... args) throws Exception {
    return AgentHarness.json(h.run(-1, timeout, workloadCommand(cgroup, node, uid, args)));
  }

  /**
   * CPUs the workload processes run on ({@code taskset -c} syntax), or null to inherit this
   * process's: lets a benchmark keep the workloads and the agents on different CPUs.
   */
  String workloadCpus;

  private String[] workloadCommand(Path cgroup, int node, int uid, String... args) {
    String pin = workloadCpus == null ? "" : "taskset -c " + workloadCpus + " ";
    StringBuilder script = new StringBuilder("echo $$ > " + cgroup.resolve("cgroup.procs")
        + " && exec " + pin + "ip netns exec " + ns(node) + " setpriv --reuid=" + uid + " --regid=" + uid
        + " --clear-groups " + workloadScript);
    for (String a : args) {
      script.append(' ').append(a);
    }
    return new String[] {"sh", "-c", script.toString()};
  }

  private static void quietly(String... command) {
    try {
      run(command);
    } catch (RuntimeException ignored) {
      // Cleanup of something that may not exist.
    }
  }

  private void removeCgroups() {
    try (Stream<Path> walk = Files.walk(cgroupRoot)) {
      List<Path> dirs = walk.filter(Files::isDirectory)
          .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
      for (Path d : dirs) {
        for (int attempt = 0; attempt < 50; attempt++) {
          try {
            Files.delete(d);
            break;
          } catch (IOException busy) {
            // Processes may still be exiting.
            Thread.sleep(100);
          }
        }
      }
    } catch (IOException | InterruptedException e) {
      // Best effort.
    }
  }

  @Override
  public void close() {
    for (AgentDaemon agent : agents) {
      agent.close();
    }
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).run();
    }
  }
}
