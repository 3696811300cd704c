package io.synid.api.transport;

import io.grpc.Attributes;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.ProtocolNegotiationEvent;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import io.netty.util.AsciiString;

/**
 * A plaintext server negotiator for Unix sockets that adds the peer's {@code SO_PEERCRED}
 * credentials to the transport attributes ({@link CallerCredentials#TRANSPORT_ATTRIBUTE}).
 *
 * <p>Implementation note: gRPC has no public API for this (grpc-java issue 2646). This class uses
 * gRPC's {@code Internal*} negotiation hooks, which is why gRPC is pinned exactly and a test
 * asserts the pid and uid seen by a service. If the channel is not an epoll domain socket, no
 * attribute is set and callers are treated as unidentified.
 */
public final class PeerCredentialsNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
  private static final AsciiString SCHEME = AsciiString.of("http");

  @Override
  public AsciiString scheme() {
    return SCHEME;
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    return new CredentialsHandler(InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler));
  }

  @Override
  public void close() {}

  private static final class CredentialsHandler extends ChannelInboundHandlerAdapter {
    private final ChannelHandler next;

    CredentialsHandler(ChannelHandler next) {
      this.next = next;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (!(evt instanceof ProtocolNegotiationEvent event)) {
        super.userEventTriggered(ctx, evt);
        return;
      }
      Attributes.Builder attributes = InternalProtocolNegotiationEvent.getAttributes(event).toBuilder();
      if (ctx.channel() instanceof EpollDomainSocketChannel channel) {
        PeerCredentials peer = channel.peerCredentials();
        int gid = peer.gids().length > 0 ? peer.gids()[0] : -1;
        attributes.set(CallerCredentials.TRANSPORT_ATTRIBUTE,
            new CallerCredentials(peer.pid(), peer.uid(), gid,
                CallerCredentials.startTimeOf(peer.pid())));
      }
      ctx.pipeline().replace(this, null, next);
      ctx.fireUserEventTriggered(
          InternalProtocolNegotiationEvent.withAttributes(event, attributes.build()));
    }
  }
}
