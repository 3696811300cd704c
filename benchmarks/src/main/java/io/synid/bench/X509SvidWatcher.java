package io.synid.bench;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.synid.api.workload.SpiffeWorkloadAPIGrpc;
import io.synid.api.workload.X509SVID;
import io.synid.api.workload.X509SVIDRequest;
import io.synid.api.workload.X509SVIDResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A workload holding one Workload API {@code FetchX509SVID} stream open on an agent's socket,
 * recording the {@link System#nanoTime} at which each SPIFFE ID first appeared in a response.
 *
 * <p>The agent ends the stream with PERMISSION_DENIED ("no identity issued") while the workload
 * has no SVID at all, so a failed stream is reopened after a short pause; once the workload has
 * an SVID the one stream stays open and each update arrives as a push.
 */
final class X509SvidWatcher implements AutoCloseable {
  private static final Metadata.Key<String> WORKLOAD_HEADER =
      Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);
  private static final long REOPEN_MILLIS = 50;

  private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1,
      new DefaultThreadFactory("workload-api-client", true), EpollIoHandler.newFactory());
  private final ScheduledExecutorService reopen = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "workload-api-reopen");
    t.setDaemon(true);
    return t;
  });
  private final ManagedChannel channel;
  private final SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub stub;
  private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
  private volatile boolean closed;
  private volatile Throwable lastError;

  X509SvidWatcher(Path socket) {
    Metadata headers = new Metadata();
    headers.put(WORKLOAD_HEADER, "true");
    channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(loop)
        .usePlaintext()
        .maxInboundMessageSize(64 * 1024 * 1024)
        // The timestamp is taken in the callback: run it on the event loop, with no hand-off.
        .directExecutor()
        .build();
    stub = SpiffeWorkloadAPIGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    open();
  }

  private void open() {
    stub.fetchX509SVID(X509SVIDRequest.getDefaultInstance(), new StreamObserver<>() {
      @Override
      public void onNext(X509SVIDResponse response) {
        long now = System.nanoTime();
        for (X509SVID svid : response.getSvidsList()) {
          firstSeen.putIfAbsent(svid.getSpiffeId(), now);
        }
        synchronized (firstSeen) {
          firstSeen.notifyAll();
        }
      }

      @Override
      public void onError(Throwable t) {
        lastError = t;
        reopenLater();
      }

      @Override
      public void onCompleted() {
        reopenLater();
      }
    });
  }

  private void reopenLater() {
    if (!closed) {
      reopen.schedule(this::open, REOPEN_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Waits until {@code spiffeId} has been served to this workload.
   *
   * @return the {@link System#nanoTime} of the first response that carried it
   * @throws TimeoutException if it was not served within {@code timeout}
   */
  long awaitFirstSeen(String spiffeId, Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (firstSeen) {
      Long seen;
      while ((seen = firstSeen.get(spiffeId)) == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException(spiffeId + " not served within " + timeout
              + (lastError == null ? "" : "; last stream error: " + lastError));
        }
        TimeUnit.NANOSECONDS.timedWait(firstSeen, left);
      }
      return seen;
    }
  }

  @Override
  public void close() {
    closed = true;
    reopen.shutdownNow();
    channel.shutdownNow();
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
