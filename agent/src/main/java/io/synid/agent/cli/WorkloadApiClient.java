package io.synid.agent.cli;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.synid.api.workload.SpiffeWorkloadAPIGrpc;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A Workload API client over a Unix socket that sends the {@code workload.spiffe.io} security
 * header on every call. Used by the CLI's {@code api} commands.
 */
public final class WorkloadApiClient implements AutoCloseable {
  private static final Metadata.Key<String> HEADER =
      Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

  private final EventLoopGroup group;
  private final ManagedChannel channel;

  /** Connects (lazily) to the socket at {@code socket}; {@code withHeader} false is for tests. */
  public WorkloadApiClient(Path socket, boolean withHeader) {
    group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    NettyChannelBuilder builder = NettyChannelBuilder
        .forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext()
        // grpc-java sets SO_KEEPALIVE, which a Unix socket does not have: Netty would print a
        // warning on every command. A null value removes the option.
        .withOption(ChannelOption.SO_KEEPALIVE, null);
    if (withHeader) {
      Metadata headers = new Metadata();
      headers.put(HEADER, "true");
      builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    channel = builder.build();
  }

  /** Parses {@code unix:///path} or a plain path. */
  public static Path socketPath(String address) {
    return Path.of(address.startsWith("unix://") ? address.substring("unix://".length()) : address);
  }

  public SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub blocking(long timeoutSeconds) {
    return SpiffeWorkloadAPIGrpc.newBlockingStub(channel)
        .withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
  }

  public SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub async() {
    return SpiffeWorkloadAPIGrpc.newStub(channel);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
