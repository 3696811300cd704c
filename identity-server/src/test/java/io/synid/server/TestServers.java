package io.synid.server;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.KeyType;
import io.synid.server.agentapi.AgentApiSettings;
import io.synid.server.ca.CaSettings;
import io.synid.server.datastore.DatastoreConfig;
import io.synid.server.datastore.TestDatastores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/** Starts real identity servers (real datastore, CA, Unix socket) for tests. */
public final class TestServers {
  private TestServers() {}

  public static IdentityServer start(Path dir, DatastoreConfig.Kind kind) throws Exception {
    return start(dir, kind, Clock.systemUTC());
  }

  public static IdentityServer start(Path dir, DatastoreConfig.Kind kind, Clock clock) throws Exception {
    IdentityServer server = new IdentityServer(settings(dir, TestDatastores.config(kind, dir)), clock);
    server.start();
    return server;
  }

  /** Settings of a test server for trust domain example.org with its files under {@code dir}. */
  public static IdentityServer.Settings settings(Path dir, DatastoreConfig datastore) throws Exception {
    TrustDomain td = TrustDomain.parse("example.org");
    return new IdentityServer.Settings(td, datastore,
        new CaSettings(td, KeyType.EC_P256, KeyType.EC_P256, Duration.ofHours(24), Duration.ofMinutes(5),
            dir.resolve("ca"), Optional.empty()),
        Duration.ofHours(1), Duration.ofMinutes(5),
        dir.resolve("sock").resolve("api.sock"), dir.resolve("audit.jsonl"),
        AgentApiSettings.loopbackEphemeral());
  }

  /** A plaintext channel over the server's admin socket. Close it after use. */
  public static ManagedChannel channel(Path socket) {
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory()))
        .usePlaintext()
        .build();
  }
}
