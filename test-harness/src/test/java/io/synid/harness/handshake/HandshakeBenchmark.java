package io.synid.harness.handshake;

import io.synid.handshake.Counter;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Connection rate and connect latency with and without the handshake programs, on the same path
 * in the same run: veth between two namespaces, and loopback inside one. Not a test: it prints
 * ratios (with Synid / plain TCP). Phases alternate (plain, synid, plain, synid, ...) so drift on a
 * shared machine hits both sides; each phase is a fixed number of sequential connect+close.
 *
 * <p>Usage: {@code HandshakeBenchmark [connections per phase] [rounds]} (defaults 2000, 3).
 */
public final class HandshakeBenchmark {

  private HandshakeBenchmark() {}

  record Phase(double connectionsPerSecond, double p50Micros, double p99Micros) {}

  public static void main(String[] args) throws Exception {
    int perPhase = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    try (TwoNodes nodes = TwoNodes.start()) {
      nodes.closeLater(SinkServer.listen(nodes.b.thread("server"), null, TwoNodes.PORT));
      report("veth", nodes, nodes.a.thread("client"), TwoNodes.B4, perPhase, rounds);
      report("loopback", nodes, nodes.b.thread("local"), InetAddress.getByName("127.0.0.1"), perPhase, rounds);
    }
  }

  private static void report(String path, TwoNodes nodes, NodeThread client, InetAddress target, int n, int rounds)
      throws Exception {
    List<Phase> plain = new ArrayList<>();
    List<Phase> synid = new ArrayList<>();
    long denied = 0;
    run(client, target, 200); // warm the JIT and the path
    for (int r = 0; r < rounds; r++) {
      nodes.attached(false);
      plain.add(run(client, target, n));
      nodes.attached(true);
      synid.add(run(client, target, n));
      denied += nodes.a.datapath.counters().get(Counter.DENIED) + nodes.b.datapath.counters().get(Counter.DENIED);
    }
    Phase p = median(plain);
    Phase s = median(synid);
    System.out.printf(Locale.ROOT, "%-8s plain: %8.0f conn/s p50 %7.1f us p99 %7.1f us%n", path,
        p.connectionsPerSecond(), p.p50Micros(), p.p99Micros());
    System.out.printf(Locale.ROOT, "%-8s synid: %8.0f conn/s p50 %7.1f us p99 %7.1f us (denied %d)%n", path,
        s.connectionsPerSecond(), s.p50Micros(), s.p99Micros(), denied);
    System.out.printf(Locale.ROOT, "%-8s ratio: rate %.3fx  p50 %.3fx  p99 %.3fx%n", path,
        s.connectionsPerSecond() / p.connectionsPerSecond(), s.p50Micros() / p.p50Micros(),
        s.p99Micros() / p.p99Micros());
  }

  private static Phase run(NodeThread client, InetAddress target, int n) throws Exception {
    long[] micros = new long[n];
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      Client.Attempt c = Client.connect(client, target, TwoNodes.PORT, 3_000);
      micros[i] = (System.nanoTime() - t0) / 1_000;
      if (!c.connected()) {
        throw new IllegalStateException("connection " + i + " failed: " + c.failure());
      }
      c.socket().close();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Arrays.sort(micros);
    return new Phase(n / seconds, micros[n / 2], micros[(int) (n * 0.99)]);
  }

  private static Phase median(List<Phase> phases) {
    double[] rate = phases.stream().mapToDouble(Phase::connectionsPerSecond).sorted().toArray();
    double[] p50 = phases.stream().mapToDouble(Phase::p50Micros).sorted().toArray();
    double[] p99 = phases.stream().mapToDouble(Phase::p99Micros).sorted().toArray();
    return new Phase(rate[rate.length / 2], p50[p50.length / 2], p99[p99.length / 2]);
  }
}
