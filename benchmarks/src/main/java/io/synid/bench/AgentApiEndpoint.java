package io.synid.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Socket;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One server's agent API as agents see it: {@code 127.0.0.1:<port>} over TLS, where the server
 * must present the SVID {@code spiffe://<td>/spire/server} chaining to the bundle the agents were
 * given (what spire-agent checks). Channels made here share one event loop, so a thousand
 * simulated agents do not mean a thousand loops; {@link #close} stops it.
 */
final class AgentApiEndpoint implements AutoCloseable {
  private final int port;
  private final ServerSvidTrust trust;
  private final SslContext serverAuthOnly;
  private final EventLoopGroup loop;

  /**
   * @param roots the X.509 authorities of the server's trust domain (the agents' bootstrap bundle)
   * @param threads event loop threads for all channels
   */
  AgentApiEndpoint(int port, String trustDomain, List<X509Certificate> roots, int threads)
      throws SSLException {
    this.port = port;
    this.trust = new ServerSvidTrust(roots, "spiffe://" + trustDomain + "/spire/server");
    this.serverAuthOnly = GrpcSslContexts.forClient().trustManager(trust).build();
    this.loop = new MultiThreadIoEventLoopGroup(threads,
        new DefaultThreadFactory("agent-api-client", true), EpollIoHandler.newFactory());
  }

  /** A channel without a client certificate, as an agent that is not attested yet uses. */
  ManagedChannel channel() {
    return channel(serverAuthOnly);
  }

  /** A channel that presents the agent SVID {@code chain} (leaf first) with its key. */
  ManagedChannel channel(KeyPair key, List<X509Certificate> chain) throws SSLException {
    return channel(GrpcSslContexts.forClient().trustManager(trust)
        .keyManager(key.getPrivate(), chain.toArray(X509Certificate[]::new)).build());
  }

  private ManagedChannel channel(SslContext ssl) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .channelType(EpollSocketChannel.class)
        .eventLoopGroup(loop)
        .sslContext(ssl)
        .maxInboundMessageSize(64 * 1024 * 1024)
        .build();
  }

  @Override
  public void close() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /**
   * Accepts exactly one server ID, verified against fixed roots. The server SVID carries no DNS
   * name, so this replaces hostname verification, as in spire-agent.
   */
  private static final class ServerSvidTrust extends X509ExtendedTrustManager {
    private final Set<TrustAnchor> anchors;
    private final String serverId;

    ServerSvidTrust(List<X509Certificate> roots, String serverId) {
      this.anchors = roots.stream().map(r -> new TrustAnchor(r, null)).collect(Collectors.toSet());
      this.serverId = serverId;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      try {
        PKIXParameters params = new PKIXParameters(anchors);
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
            CertificateFactory.getInstance("X.509").generateCertPath(Arrays.asList(chain)), params);
      } catch (CertificateException e) {
        throw e;
      } catch (Exception e) {
        throw new CertificateException("server SVID does not verify: " + e.getMessage(), e);
      }
      List<String> uris = chain[0].getSubjectAlternativeNames() == null ? List.of()
          : chain[0].getSubjectAlternativeNames().stream()
              .filter(s -> Integer.valueOf(6).equals(s.get(0))).map(s -> String.valueOf(s.get(1))).toList();
      if (!uris.equals(List.of(serverId))) {
        throw new CertificateException("unexpected server ID " + uris + ", want " + serverId);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      throw new UnsupportedOperationException("client-side trust manager");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
      throw new UnsupportedOperationException("client-side trust manager");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
      throw new UnsupportedOperationException("client-side trust manager");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
