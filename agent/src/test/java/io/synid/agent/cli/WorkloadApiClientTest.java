package io.synid.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.StreamObserver;
import io.netty.bootstrap.Bootstrap;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import io.synid.api.transport.UnixSocketServer;
import io.synid.api.workload.JWTSVIDRequest;
import io.synid.api.workload.JWTSVIDResponse;
import io.synid.api.workload.SpiffeWorkloadAPIGrpc;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadApiClientTest {
  // Held so that the JDK logger (and the handler on it) is not collected during the test.
  private static final Logger BOOTSTRAP_LOG = Logger.getLogger(Bootstrap.class.getName());

  static {
    // Netty picks its logging backend once; make it the JDK's so that the handler sees its records.
    InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
  }

  @TempDir
  Path dir;

  @Test
  void connectingPrintsNoWarningAboutSocketOptions() throws Exception {
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        records.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    BOOTSTRAP_LOG.addHandler(handler);
    BOOTSTRAP_LOG.setLevel(Level.ALL);
    Path socket = dir.resolve("api.sock");
    SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase service = new SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase() {
      @Override
      public void fetchJWTSVID(JWTSVIDRequest request, StreamObserver<JWTSVIDResponse> out) {
        out.onNext(JWTSVIDResponse.getDefaultInstance());
        out.onCompleted();
      }
    };
    try (UnixSocketServer server = UnixSocketServer.start(socket, List.of(service), List.of(), 1)) {
      InternalLoggerFactory.getInstance(Bootstrap.class).warn("probe");
      assertThat(records).extracting(LogRecord::getMessage).containsExactly("probe");
      records.clear();
      try (WorkloadApiClient client = new WorkloadApiClient(socket, true)) {
        client.blocking(10).fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a").build());
      }
      assertThat(records).extracting(LogRecord::getMessage).isEmpty();
    } finally {
      BOOTSTRAP_LOG.removeHandler(handler);
    }
  }
}
