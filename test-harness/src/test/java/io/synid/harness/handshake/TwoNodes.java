package io.synid.harness.handshake;

import static org.awaitility.Awaitility.await;

import io.synid.handshake.DatapathConfig;
import io.synid.handshake.HandshakeDatapath;
import io.synid.handshake.HandshakeEvent;
import io.synid.handshake.NodeKeyPair;
import io.synid.handshake.PairwiseKeys;
import io.synid.handshake.VerdictRule;
import io.synid.handshake.WorkloadMode;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Two nodes, each a network namespace with its own cgroup subtree and its own datapath, joined by
 * a veth pair (10.199.0.1 / fd00:199::1 on A, 10.199.0.2 / fd00:199::2 on B).
 *
 * <p>Workloads: A/client (ident CLIENT, identity 100), A/plain (no identity), B/server (SERVER,
 * 200), B/local (LOCAL, 201: a client on B itself, for loopback), B/plain (no identity). The
 * workloads with an identity live under the node's {@code mesh} cgroup ({@link Node#mesh()}), the
 * plain ones beside it: a datapath attached to the mesh cgroup leaves the plain workloads without
 * any program (the benchmark's interleaved plain TCP); attached to the node cgroup (the tests)
 * it sees them all. The baseline policy allows 100 -> 200 and 201 -> 200 on port {@link #PORT}
 * only, and no unauthenticated peer (no CIDR rule). Everything is removed by {@link #close()},
 * which is safe to call after a partial start.
 */
final class TwoNodes implements AutoCloseable {

  static final int NODE_A = 1;
  static final int NODE_B = 2;
  static final int CLIENT = NODE_A << 20 | 1;
  static final int SERVER = NODE_B << 20 | 1;
  static final int LOCAL = NODE_B << 20 | 2;
  static final int CLIENT_ID = 100;
  static final int SERVER_ID = 200;
  static final int LOCAL_ID = 201;
  static final int EPOCH = 1;
  static final int PORT = 8080;
  static final int OTHER_PORT = 9090;
  static final int PLAIN_PORT = 7070;
  static final InetAddress A4 = address("10.199.0.1");
  static final InetAddress B4 = address("10.199.0.2");
  static final InetAddress A6 = address("fd00:199::1");
  static final InetAddress B6 = address("fd00:199::2");

  final Node a;
  final Node b;
  private final TestCgroups cgroups;
  private final Function<Node, DatapathConfig> configs;
  private final List<AutoCloseable> closers = new ArrayList<>();

  /** One node: namespace, cgroup subtree, datapath, workload threads, collected events. */
  static final class Node {
    final String name;
    final int index;
    final Path netns;
    final Path cgroup;
    final NodeKeyPair keys = NodeKeyPair.generate();
    final Map<String, Path> workloads = new LinkedHashMap<>();
    final Map<String, NodeThread> threads = new LinkedHashMap<>();
    final List<HandshakeEvent> events = new CopyOnWriteArrayList<>();
    HandshakeDatapath datapath;

    /** The cgroup of the workloads with an identity (below {@link #cgroup}). */
    Path mesh() {
      return cgroup.resolve("mesh");
    }

    Node(String name, int index, Path cgroup) {
      this.name = name;
      this.index = index;
      this.netns = Path.of("/run/netns", name);
      this.cgroup = cgroup;
    }

    NodeThread thread(String workload) {
      return threads.get(workload);
    }

    long cgroupId(String workload) throws Exception {
      return HandshakeDatapath.cgroupId(workloads.get(workload));
    }

    /** Waits up to 5 s for an event matching {@code match} (events are drained every 50 ms). */
    HandshakeEvent awaitEvent(Predicate<HandshakeEvent> match) {
      AtomicReference<HandshakeEvent> found = new AtomicReference<>();
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
        for (HandshakeEvent e : events) {
          if (match.test(e)) {
            found.set(e);
            return true;
          }
        }
        return false;
      });
      return found.get();
    }
  }

  private TwoNodes(Path mount, Function<Node, DatapathConfig> configs) throws Exception {
    this.configs = configs;
    String tag = "synidhs" + ProcessHandle.current().pid();
    cgroups = new TestCgroups(mount, tag);
    a = new Node(tag + "a", NODE_A, cgroups.threaded("a"));
    b = new Node(tag + "b", NODE_B, cgroups.threaded("b"));
  }

  /**
   * Builds the topology with fail-open datapaths that report every handshake (the tests look for
   * the event of each connection); on any failure everything built so far is removed.
   */
  static TwoNodes start() throws Exception {
    return start(n -> DatapathConfig.failOpen(n.cgroup).withAllowedEventInterval(Duration.ZERO));
  }

  /**
   * Builds the topology with the datapath configuration {@code configs} gives each node. Datapaths
   * are opened on the node's namespace thread, so TC devices are those of the node.
   */
  static TwoNodes start(Function<Node, DatapathConfig> configs) throws Exception {
    Path mount = KernelPrerequisites.check();
    TwoNodes t = new TwoNodes(mount, configs);
    try {
      t.build();
      return t;
    } catch (Exception | Error e) {
      t.close();
      throw e;
    }
  }

  private void build() throws Exception {
    for (Node n : List.of(a, b)) {
      Commands.run("ip", "netns", "add", n.name);
      closers.add(() -> Commands.run(false, "ip", "netns", "del", n.name));
      Commands.run("ip", "-n", n.name, "link", "set", "lo", "up");
    }
    Commands.run("ip", "-n", a.name, "link", "add", "veth0", "type", "veth", "peer", "name", "veth0", "netns", b.name);
    configureLink(a, "10.199.0.1/24", "fd00:199::1/64");
    configureLink(b, "10.199.0.2/24", "fd00:199::2/64");

    workload(a, "mesh/client");
    workload(a, "plain");
    workload(b, "mesh/server");
    workload(b, "mesh/local");
    workload(b, "plain");
    cgroups.enter();

    for (Node n : List.of(a, b)) {
      for (Map.Entry<String, Path> w : n.workloads.entrySet()) {
        NodeThread t = new NodeThread(n.name + "-" + w.getKey(), n.netns, Optional.of(w.getValue()), cgroups);
        closers.add(t);
        n.threads.put(w.getKey(), t);
      }
      NodeThread outside = new NodeThread(n.name + "-outside", n.netns, Optional.empty(), cgroups);
      closers.add(outside);
      n.threads.put("outside", outside);
      open(n);
    }
    reset();
  }

  private void configureLink(Node n, String v4, String v6) {
    Commands.run("ip", "-n", n.name, "addr", "add", v4, "dev", "veth0");
    // nodad: the address is usable at once instead of after duplicate address detection.
    Commands.run("ip", "-n", n.name, "addr", "add", v6, "dev", "veth0", "nodad");
    Commands.run("ip", "-n", n.name, "link", "set", "veth0", "up");
  }

  /** A workload cgroup at {@code relative} below the node's; known by its last name. */
  private void workload(Node n, String relative) throws Exception {
    n.workloads.put(Path.of(relative).getFileName().toString(),
        cgroups.threaded(n.cgroup.getFileName() + "/" + relative));
  }

  /** Restores the baseline identities, keys, modes and policy on both nodes, and forgets events. */
  void reset() throws Exception {
    for (Node n : List.of(a, b)) {
      HandshakeDatapath d = n.datapath;
      for (Node peer : List.of(a, b)) {
        d.setPeerKeys(PairwiseKeys.derive(n.keys, n.index, peer.keys.publicKey(), peer.index, EPOCH));
      }
      d.setTransmitEpoch(EPOCH);
      d.setPeerNode(A4, 32, NODE_A);
      d.setPeerNode(A6, 128, NODE_A);
      d.setPeerNode(B4, 32, NODE_B);
      d.setPeerNode(B6, 128, NODE_B);
      d.setPeerNode(address("127.0.0.0"), 8, n.index);
      d.setPeerNode(address("::1"), 128, n.index);
      d.setBinding(CLIENT, CLIENT_ID, NODE_A);
      d.setBinding(SERVER, SERVER_ID, NODE_B);
      d.setBinding(LOCAL, LOCAL_ID, NODE_B);
      d.setVerdicts(List.of(new VerdictRule(CLIENT_ID, SERVER_ID, PORT, true),
          new VerdictRule(LOCAL_ID, SERVER_ID, PORT, true)));
      d.setCidrRules(List.of());
    }
    a.datapath.setLocalIdentity(a.cgroupId("client"), CLIENT, CLIENT_ID);
    a.datapath.setMode(a.cgroupId("client"), WorkloadMode.ENFORCE);
    b.datapath.setLocalIdentity(b.cgroupId("server"), SERVER, SERVER_ID);
    b.datapath.setMode(b.cgroupId("server"), WorkloadMode.ENFORCE);
    b.datapath.setLocalIdentity(b.cgroupId("local"), LOCAL, LOCAL_ID);
    b.datapath.setMode(b.cgroupId("local"), WorkloadMode.ENFORCE);
    a.events.clear();
    b.events.clear();
  }

  /** Detaches both datapaths (plain TCP on the same path), or attaches fresh ones with the baseline state. */
  void attached(boolean on) throws Exception {
    for (Node n : List.of(a, b)) {
      if (!on && n.datapath != null) {
        closers.remove(n.datapath);
        n.datapath.close();
        n.datapath = null;
      } else if (on && n.datapath == null) {
        open(n);
      }
    }
    if (on) {
      reset();
    }
  }

  private void open(Node n) throws Exception {
    DatapathConfig config = configs.apply(n);
    n.datapath = n.thread("outside").call(() -> HandshakeDatapath.open(config));
    closers.add(n.datapath);
    n.datapath.addEventListener(n.events::add);
  }

  /** Closes both nodes' datapaths (if open) and opens them with {@code configs}, in the baseline state. */
  void reopenAll(Function<Node, DatapathConfig> configs) throws Exception {
    for (Node n : List.of(a, b)) {
      if (n.datapath != null) {
        closers.remove(n.datapath);
        n.datapath.close();
      }
      DatapathConfig config = configs.apply(n);
      n.datapath = n.thread("outside").call(() -> HandshakeDatapath.open(config));
      closers.add(n.datapath);
      n.datapath.addEventListener(n.events::add);
    }
    reset();
  }

  /** Closes a node's datapath and opens it again with {@code config} and the baseline state. */
  void reopen(Node n, DatapathConfig config) throws Exception {
    closers.remove(n.datapath);
    n.datapath.close();
    n.datapath = n.thread("outside").call(() -> HandshakeDatapath.open(config));
    closers.add(n.datapath);
    n.datapath.addEventListener(n.events::add);
    reset();
  }

  /** The configuration the node's datapath was opened with at start. */
  DatapathConfig initialConfig(Node n) {
    return configs.apply(n);
  }

  /** Registers something to close with the topology (servers, captures). */
  <T extends AutoCloseable> T closeLater(T resource) {
    closers.add(resource);
    return resource;
  }

  @Override
  public void close() throws Exception {
    Exception first = null;
    for (int i = closers.size() - 1; i >= 0; i--) {
      try {
        closers.get(i).close();
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    closers.clear();
    try {
      cgroups.close();
    } catch (Exception e) {
      first = first == null ? e : first;
    }
    if (first != null) {
      throw first;
    }
  }

  static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }
}
