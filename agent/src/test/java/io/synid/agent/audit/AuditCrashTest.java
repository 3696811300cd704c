package io.synid.agent.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.synid.api.node.v1.ForwardAuditRequest;
import io.synid.api.node.v1.ForwardAuditResponse;
import io.synid.api.node.v1.NodeGrpc;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 for real: a child JVM records through the pipeline (file + gRPC ForwardAudit to a
 * server in this JVM that fails now and then) and is SIGKILLed at random moments, then restarted
 * on the same data directory; a last run finishes cleanly. Counted in: every record whose
 * {@code record} call returned (the child says so on stdout). Counted out: the file's lines and
 * the server's stored records. Both must hold each of them exactly once, in sequence order.
 */
class AuditCrashTest {
  @TempDir Path dir;

  @Test
  void killedAgainAndAgainWithoutLosingOrDuplicatingARecord() throws Exception {
    FakeAuditForwarder store = new FakeAuditForwarder(17).failures(0.05, 0.05, 0.05);
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new NodeGrpc.NodeImplBase() {
          @Override
          public void forwardAudit(ForwardAuditRequest request,
              StreamObserver<ForwardAuditResponse> response) {
            try {
              long ack = store.forward(request.getFirstSequence(), request.getRecordsList());
              response.onNext(ForwardAuditResponse.newBuilder().setAcknowledgedThrough(ack)
                  .build());
              response.onCompleted();
            } catch (AuditForwardException e) {
              response.onError(Status.UNAVAILABLE.withDescription(e.getMessage())
                  .asRuntimeException());
            }
          }
        }).build().start();
    Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    Random random = new Random(23);
    int kills = 5;
    try {
      for (int round = 0; round < kills; round++) {
        Process child = child(server.getPort(), round * 10_000_000L, "run");
        CountDownLatch started = new CountDownLatch(1);
        Thread reader = reader(child, acknowledged, started, round);
        assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(300 + random.nextInt(900));
        // SIGKILL through the handle: Process.destroyForcibly() also closes our end of the
        // child's stdout, and the "ok" lines still in the pipe would be lost to the reader.
        child.toHandle().destroyForcibly();
        child.waitFor();
        reader.join();
      }
      Process last = child(server.getPort(), kills * 10_000_000L, "finish", "2000");
      List<String> lines = new ArrayList<>();
      Thread reader = reader(last, acknowledged, new CountDownLatch(1), kills, lines);
      assertThat(last.waitFor(180, TimeUnit.SECONDS)).isTrue();
      reader.join();
      assertThat(last.exitValue()).isZero();
      assertThat(lines).contains("done true");
    } finally {
      server.shutdownNow();
    }

    List<JsonNode> file = AuditFiles.records(dir.resolve("audit.jsonl"));
    long total = file.size();
    // Out, file: sequence numbers 1..total, each once, in order, across rotated files.
    assertThat(file).extracting(r -> r.get("seq").asLong())
        .containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
    List<Long> ns = file.stream().map(r -> r.get("n").asLong()).toList();
    assertThat(new HashSet<>(ns)).hasSize(ns.size());
    // In: every acknowledged record is there; at most one per kill was written but not yet
    // acknowledged when the process died.
    assertThat(new HashSet<>(ns)).containsAll(acknowledged);
    assertThat(total - acknowledged.size()).isBetween(0L, (long) kills);
    assertThat(dir.resolve("audit.jsonl.1")).exists();
    // Out, server: the same records, once each, byte for byte.
    Map<Long, String> stored = store.stored();
    assertThat(stored.keySet()).containsExactlyElementsOf(
        LongStream.rangeClosed(1, total).boxed().toList());
    assertThat(new ArrayList<>(stored.values()))
        .containsExactlyElementsOf(AuditFiles.lines(dir.resolve("audit.jsonl")));
    assertThat(store.conflicts()).isZero();
    assertThat(store.badSequence()).isZero();
    assertThat(store.gaps()).isEmpty();
    System.out.printf("crash test: %d records in (acknowledged %d), %d out in the file and at"
        + " the server; %d records offered again to the server and ignored%n", total,
        acknowledged.size(), total, store.duplicatesOffered());
  }

  private Process child(int port, long base, String... mode) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"),
        AuditCrashChild.class.getName(), dir.toString(), Integer.toString(port),
        Long.toString(base)));
    cmd.addAll(List.of(mode));
    return new ProcessBuilder(cmd)
        .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("child.log").toFile()))
        .start();
  }

  private static Thread reader(Process child, Set<Long> acknowledged, CountDownLatch started,
      int round) {
    return reader(child, acknowledged, started, round, new ArrayList<>());
  }

  private static Thread reader(Process child, Set<Long> acknowledged, CountDownLatch started,
      int round, List<String> other) {
    Thread t = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("ok ")) {
            acknowledged.add(Long.parseLong(line.substring(3)));
            started.countDown();
          } else {
            other.add(line);
          }
        }
      } catch (Exception e) {
        other.add("reader failed: " + e);
      }
    }, "child-" + round);
    t.start();
    return t;
  }
}
