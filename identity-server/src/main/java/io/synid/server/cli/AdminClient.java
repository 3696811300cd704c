package io.synid.server.cli;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.synid.api.policy.v1.FlowsGrpc;
import io.synid.api.policy.v1.PolicyGrpc;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.bundle.v1.BundleGrpc;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.server.svid.v1.SVIDGrpc;
import io.synid.api.spire.server.trustdomain.v1.TrustDomainGrpc;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The admin API stubs of one server, over one channel. Every CLI command opens one, makes its
 * calls and closes it.
 *
 * <p>Connecting is lazy, as in SPIRE's CLI: a missing server shows up as an {@code Unavailable}
 * error on the first call. Calls carry no deadline, also like SPIRE's CLI.
 */
public final class AdminClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final EventLoopGroup eventLoop;

  private AdminClient(ManagedChannel channel, EventLoopGroup eventLoop) {
    this.channel = channel;
    this.eventLoop = eventLoop;
  }

  /**
   * A client of the server listening on a Unix domain socket (plaintext gRPC; the socket's file
   * permissions are the access control).
   *
   * @throws CliException when this platform has no epoll transport (Unix sockets need Linux)
   */
  public static AdminClient overUnixSocket(Path socketPath) throws CliException {
    if (!Epoll.isAvailable()) {
      throw new CliException("cannot dial unix socket " + socketPath + ": "
          + Epoll.unavailabilityCause().getMessage());
    }
    EventLoopGroup eventLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    ManagedChannel channel = NettyChannelBuilder
        .forAddress(new DomainSocketAddress(socketPath.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(eventLoop)
        .usePlaintext()
        .build();
    return new AdminClient(channel, eventLoop);
  }

  /** A client over a channel owned by the caller's setup (tests: an in-process channel). */
  public static AdminClient overChannel(ManagedChannel channel) {
    return new AdminClient(Objects.requireNonNull(channel, "channel"), null);
  }

  public EntryGrpc.EntryBlockingStub entries() {
    return EntryGrpc.newBlockingStub(channel);
  }

  public BundleGrpc.BundleBlockingStub bundles() {
    return BundleGrpc.newBlockingStub(channel);
  }

  public AgentGrpc.AgentBlockingStub agents() {
    return AgentGrpc.newBlockingStub(channel);
  }

  public SVIDGrpc.SVIDBlockingStub svids() {
    return SVIDGrpc.newBlockingStub(channel);
  }

  public TrustDomainGrpc.TrustDomainBlockingStub trustDomains() {
    return TrustDomainGrpc.newBlockingStub(channel);
  }

  public PolicyGrpc.PolicyBlockingStub policies() {
    return PolicyGrpc.newBlockingStub(channel);
  }

  public FlowsGrpc.FlowsBlockingStub flows() {
    return FlowsGrpc.newBlockingStub(channel);
  }

  public HealthGrpc.HealthBlockingStub health() {
    return HealthGrpc.newBlockingStub(channel);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (eventLoop != null) {
      eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
