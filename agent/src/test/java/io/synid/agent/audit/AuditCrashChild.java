package io.synid.agent.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The "agent" that {@link AuditCrashTest} kills with SIGKILL: records connection decisions
 * through a pipeline with the JSON Lines file (rotating) and the server (gRPC ForwardAudit),
 * printing {@code ok <n>} after each {@code record} returned.
 *
 * <p>Arguments: data directory, server port, first n, and {@code run} (until killed) or
 * {@code finish <count>} (record count more, wait for delivery, close, print {@code done}).
 */
public final class AuditCrashChild {
  private AuditCrashChild() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    int port = Integer.parseInt(args[1]);
    long base = Long.parseLong(args[2]);
    boolean finish = args[3].equals("finish");
    long count = finish ? Long.parseLong(args[4]) : Long.MAX_VALUE;
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .build();
    AuditPipeline p = AuditPipeline.builder(data.resolve("audit-spool"))
        .spoolMaxBytes(64L << 20)
        .segmentBytes(128L << 10)
        .syncInterval(Duration.ofMillis(20))
        .node(() -> "spiffe://example.org/spire/agent/join_token/crash")
        .output(new JsonLinesFileOutput(data.resolve("audit.jsonl"), 256L << 10, 10_000))
        .output(new ServerOutput(new GrpcAuditForwarder(() -> channel, Duration.ofSeconds(10))))
        .open();
    out.println("started " + p.lastSequence());
    for (long i = 0; i < count; i++) {
      ObjectNode r = p.newRecord("connection");
      r.put("n", base + i);
      r.put("direction", "outbound");
      r.put("verdict", i % 7 == 0 ? "denied" : "allowed");
      r.put("dst_port", 5432);
      p.record(r);
      out.println("ok " + (base + i));
      if (i % 5 == 0) {
        Thread.sleep(1);
      }
    }
    boolean delivered = p.awaitDelivered(p.lastSequence(), Duration.ofSeconds(120));
    p.close();
    channel.shutdownNow();
    out.println("done " + delivered);
  }
}
