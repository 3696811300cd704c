package io.synid.api.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import io.synid.api.workload.JWTSVIDRequest;
import io.synid.api.workload.JWTSVIDResponse;
import io.synid.api.workload.SpiffeWorkloadAPIGrpc;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketServerTest {
  // Held so that the JDK logger (and the handler on it) is not collected during the test.
  private static final Logger BOOTSTRAP_LOG = Logger.getLogger(ServerBootstrap.class.getName());

  static {
    // Netty picks its logging backend once; make it the JDK's so that the handler sees its records.
    InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
  }

  @TempDir
  Path dir;

  /** A Workload-API-shaped service answering FetchJWTSVID, enough to make real calls. */
  private static final class Answering extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {
    @Override
    public void fetchJWTSVID(JWTSVIDRequest request, StreamObserver<JWTSVIDResponse> out) {
      out.onNext(JWTSVIDResponse.getDefaultInstance());
      out.onCompleted();
    }
  }

  @Test
  void acceptedConnectionsLogNoWarningAboutSocketOptions() throws Exception {
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
    MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try (UnixSocketServer server = UnixSocketServer.start(socket, UnixSocketServer.Access.OWNER_ONLY,
        List.of(new Answering()), List.of(), 1)) {
      // The handler does receive what Netty logs under this name.
      InternalLoggerFactory.getInstance(ServerBootstrap.class).warn("probe");
      assertThat(records).extracting(LogRecord::getMessage).containsExactly("probe");
      records.clear();
      for (int i = 0; i < 3; i++) {
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext().build();
        try {
          SpiffeWorkloadAPIGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
              .fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a").build());
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
      assertThat(records).extracting(LogRecord::getMessage).isEmpty();
    } finally {
      BOOTSTRAP_LOG.removeHandler(handler);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
