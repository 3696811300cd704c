package io.synid.server.agentapi;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.bundle.v1.BundleGrpc;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.Pem;
import io.synid.nodeattestor.NodeAttestor;
import io.synid.nodeattestor.jointoken.JoinTokenAttestor;
import io.synid.nodeattestor.x509pop.X509PopAttestor;
import io.synid.api.audit.AuditLog;
import io.synid.server.ca.CaException;
import io.synid.server.ca.CertificateAuthority;
import io.synid.server.datastore.Datastore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The agent API's TCP listener: gRPC over TLS 1.2 or 1.3 presenting the server SVID, serving the
 * agent RPCs of SPIRE's {@code agent}, {@code bundle}, {@code entry} and {@code svid} services,
 * and Synid's {@code synid.api.node.v1.Node}.
 *
 * <p>Security: the TLS layer requests a client certificate but accepts any (or none), because
 * {@code AttestAgent} and {@code GetBundle} are served to agents that have no SVID yet; every
 * other call is authenticated by {@link AgentAuthInterceptor} against the current trust bundle
 * and the attested-node records. Proof of possession of the presented certificate's key is the
 * TLS handshake's own.
 */
public final class AgentApiServer implements AutoCloseable {
  private final Server server;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ServerSvidKeyManager keyManager;
  private final ChangeWatch changes;

  private AgentApiServer(Server server, EventLoopGroup boss, EventLoopGroup workers,
      ServerSvidKeyManager keyManager, ChangeWatch changes) {
    this.server = server;
    this.boss = boss;
    this.workers = workers;
    this.keyManager = keyManager;
    this.changes = changes;
  }

  /** What the agent API serves with: the server's parts and defaults. */
  public record Parts(TrustDomain trustDomain, CertificateAuthority ca, Datastore datastore,
      AuditLog audit, Clock clock, Duration defaultX509SvidTtl, Duration defaultJwtSvidTtl) {}

  /**
   * Binds and starts the listener.
   *
   * @param interceptors applied to every call before authentication, outermost first (audit)
   * @throws IOException if the address cannot be bound or the x509pop CA bundle cannot be read
   */
  public static AgentApiServer start(AgentApiSettings settings, Parts parts,
      List<ServerInterceptor> interceptors) throws IOException {
    SpiffeId serverId;
    try {
      serverId = SpiffeId.fromSegments(parts.trustDomain(), "spire", "server");
    } catch (InvalidSpiffeIdException e) {
      throw new IllegalStateException("the server ID is valid for every trust domain", e);
    }
    ServerSvidKeyManager keyManager = new ServerSvidKeyManager(parts.ca(), serverId,
        parts.defaultX509SvidTtl(), parts.clock());
    try {
      keyManager.currentChain();
    } catch (CaException e) {
      throw new IOException("cannot sign the server SVID: " + e.getMessage(), e);
    }
    List<NodeAttestor> attestors = new ArrayList<>();
    attestors.add(new JoinTokenAttestor(parts.trustDomain(),
        parts.datastore().joinTokens()::redeem));
    if (settings.x509popCaBundle().isPresent()) {
      List<X509Certificate> roots;
      try {
        roots = Pem.decodeCertificates(Files.readString(settings.x509popCaBundle().get()));
      } catch (Exception e) {
        throw new IOException("x509pop: cannot read CA bundle " + settings.x509popCaBundle().get()
            + ": " + e.getMessage(), e);
      }
      attestors.add(new X509PopAttestor(parts.trustDomain(), roots, parts.clock(),
          new SecureRandom()));
    }
    AuthorizedEntries authorized = new AuthorizedEntries(parts.datastore().entries(),
        parts.trustDomain(), parts.clock());
    ChangeWatch changes = new ChangeWatch(parts.datastore());
    List<BindableService> services = List.of(
        new AttestationService(attestors, parts.ca(), parts.datastore().nodes(), parts.audit(),
            parts.defaultX509SvidTtl()),
        new AgentBundleService(parts.ca(), parts.datastore().bundles(), parts.trustDomain()),
        new AuthorizedEntryService(authorized, AuthorizedEntryService.PAGE_SIZE),
        new AgentSvidService(authorized, parts.ca(), parts.defaultX509SvidTtl(),
            parts.defaultJwtSvidTtl()),
        new NodeService(parts.datastore(), authorized, parts.audit(), parts.clock(), changes));

    // BoringSSL (netty-tcnative) when it loads, else the JDK: the same protocol either way.
    SslContext ssl = GrpcSslContexts.configure(SslContextBuilder.forServer(keyManager),
            io.netty.handler.ssl.OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
        .clientAuth(ClientAuth.OPTIONAL)
        .trustManager(new AcceptAnyClientCertificate())
        .protocols("TLSv1.3", "TLSv1.2")
        .build();
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    NettyServerBuilder builder = NettyServerBuilder.forAddress(settings.address())
        .channelType(EpollServerSocketChannel.class)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        .sslContext(ssl)
        .permitKeepAliveWithoutCalls(true)
        .permitKeepAliveTime(10, TimeUnit.SECONDS);
    List<ServerInterceptor> chain = new ArrayList<>(interceptors);
    chain.add(new AgentAuthInterceptor(parts.ca(), parts.datastore().nodes(), parts.trustDomain(),
        parts.clock(), Set.of(AgentGrpc.getAttestAgentMethod().getFullMethodName(),
            BundleGrpc.getGetBundleMethod().getFullMethodName())));
    // ServerInterceptors.intercept wraps in reverse: the list's first element must be outermost.
    Collections.reverse(chain);
    for (BindableService service : services) {
      builder.addService(ServerInterceptors.intercept(service, chain));
    }
    try {
      return new AgentApiServer(builder.build().start(), boss, workers, keyManager, changes);
    } catch (IOException | RuntimeException e) {
      changes.close();
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw new IOException("agent API cannot listen on " + settings.address() + ": "
          + e.getMessage(), e);
    }
  }

  /** The bound port (useful when the configured port was 0). */
  public int port() {
    return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  /** The server SVID presented now, leaf first. */
  public List<X509Certificate> serverSvid() throws CaException {
    return keyManager.currentChain();
  }

  @Override
  public void close() {
    // Open watch streams would hold the graceful shutdown until its timeout.
    changes.close();
    io.synid.api.transport.GrpcServerShutdown.stop(server, boss, workers);
  }

  /**
   * Accepts whatever client certificate the TLS handshake carries; see the class documentation
   * for where it is verified.
   */
  private static final class AcceptAnyClientCertificate extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      throw new UnsupportedOperationException("server-side trust manager");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
      throw new UnsupportedOperationException("server-side trust manager");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
      throw new UnsupportedOperationException("server-side trust manager");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
