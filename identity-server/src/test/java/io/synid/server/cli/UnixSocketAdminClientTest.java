package io.synid.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SPIFFEID;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The production transport: plaintext gRPC over a Unix domain socket with Netty epoll. */
class UnixSocketAdminClientTest {
  @TempDir
  Path tmp;

  private static String run(CliEnvironment env, ByteArrayOutputStream out, String... args) {
    int exit = SynidServerCommand.commandLine(env).execute(args);
    return exit + ":" + out.toString(StandardCharsets.UTF_8);
  }

  private static CliEnvironment env(ByteArrayOutputStream out, ByteArrayOutputStream err) {
    return new CliEnvironment(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]),
        AdminClient::overUnixSocket, name -> null, Clock.systemUTC());
  }

  @Test
  void commandsReachAServerOnAUnixSocket() throws Exception {
    assertThat(Epoll.isAvailable()).as("Linux epoll (Unix-socket transport) must be available").isTrue();
    Path socket = tmp.resolve("api.sock");
    FakeEntryService entries = new FakeEntryService();
    entries.put(Entry.newBuilder().setSpiffeId(SPIFFEID.newBuilder().setTrustDomain("example.org")
        .setPath("/w")).build());
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(group)
        .workerEventLoopGroup(group)
        .addService(entries)
        .build()
        .start();
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertThat(run(env(out, err), out, "entry", "count", "-socketPath", socket.toString()))
          .isEqualTo("0:1 registration entry\n");
      assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  @Test
  void noServerOnTheSocketIsUnavailable() {
    assertThat(Epoll.isAvailable()).as("Linux epoll (Unix-socket transport) must be available").isTrue();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    String result = run(env(out, err), out, "entry", "count", "-socketPath", tmp.resolve("none.sock").toString());

    assertThat(result).isEqualTo("1:");
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo(
        "Error: rpc error: code = Unavailable desc = connection error: connect: no such file or directory\n");
  }
}
