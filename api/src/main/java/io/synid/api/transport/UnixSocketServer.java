package io.synid.api.transport;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC server on a Unix domain socket whose callers are identified by {@code SO_PEERCRED}.
 *
 * <p>Access control is the file system's. With {@link Access#OWNER_ONLY} (admin APIs) the
 * socket's directory is created (or tightened) to mode 0700, so only its owner (and root) can
 * connect. With {@link Access#ANY_LOCAL_USER} (the Workload API, which authorizes each caller by
 * attestation instead) a directory it creates is 0755 and the socket itself 0777. A stale socket
 * file left by a crashed server is replaced; any other kind of file at the path is an error,
 * never deleted.
 */
public final class UnixSocketServer implements AutoCloseable {
  /** Who may connect to the socket. */
  public enum Access {
    /** Only the owner of the socket's directory (and root). */
    OWNER_ONLY,
    /** Every local user; the services authorize each caller themselves. */
    ANY_LOCAL_USER
  }

  private final Path socketPath;
  private final Server server;
  private final EventLoopGroup loops;

  private UnixSocketServer(Path socketPath, Server server, EventLoopGroup loops) {
    this.socketPath = socketPath;
    this.server = server;
    this.loops = loops;
  }

  /**
   * Binds and starts the server.
   *
   * @param interceptors applied to every service, outermost first
   * @throws IOException if the socket cannot be bound or its path holds something else
   */
  public static UnixSocketServer start(Path socketPath, List<BindableService> services,
      List<ServerInterceptor> interceptors, int workerThreads) throws IOException {
    return start(socketPath, Access.OWNER_ONLY, services, interceptors, workerThreads);
  }

  /**
   * Binds and starts the server with the given access.
   *
   * @param interceptors applied to every service, outermost first
   * @throws IOException if the socket cannot be bound or its path holds something else
   */
  public static UnixSocketServer start(Path socketPath, Access access,
      List<BindableService> services, List<ServerInterceptor> interceptors, int workerThreads)
      throws IOException {
    return start(socketPath, access, services, interceptors, workerThreads, null);
  }

  /**
   * Binds and starts the server; with {@code callExecutors}, calls run on the socket's I/O thread
   * unless it names an executor for them.
   *
   * <p>Without it every call is handed from the I/O thread to gRPC's thread pool and its
   * responses back: two thread wake-ups per call. With it the method lookup, the interceptors
   * and the handler of a call for which {@code callExecutors} returns null run on the I/O thread
   * that read the request, which must then never block (a blocked I/O thread stalls every
   * connection it serves); a call for which it returns an executor runs there, as before.
   *
   * @param interceptors applied to every service, outermost first
   * @param callExecutors chooses, per call, an executor or null for the I/O thread; null: every
   *     call on gRPC's thread pool
   * @throws IOException if the socket cannot be bound or its path holds something else
   */
  public static UnixSocketServer start(Path socketPath, Access access,
      List<BindableService> services, List<ServerInterceptor> interceptors, int workerThreads,
      ServerCallExecutorSupplier callExecutors) throws IOException {
    Path dir = socketPath.toAbsolutePath().getParent();
    if (access == Access.OWNER_ONLY) {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    } else if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwxr-xr-x")));
    }
    if (Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS)) {
      if (!isSocket(socketPath)) {
        throw new IOException("refusing to replace " + socketPath + ": it exists and is not a socket");
      }
      Files.delete(socketPath);
    }
    // One group accepts and serves: a new connection is registered on the thread that accepted
    // it or the next one, without a separate acceptor thread to wake for every connection.
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(workerThreads, EpollIoHandler.newFactory());
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(socketPath.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(loops)
        .workerEventLoopGroup(loops)
        // grpc-java sets SO_KEEPALIVE on every accepted channel ("ignored for non-socket
        // channels"), and Netty then logs a warning for each Unix-socket connection: a log write
        // per Workload API call. A null value removes the option from the bootstrap.
        .withChildOption(ChannelOption.SO_KEEPALIVE, null)
        .protocolNegotiator(new PeerCredentialsNegotiator());
    if (callExecutors != null) {
      builder.directExecutor().callExecutor(callExecutors);
    }
    // Interceptors wrap in reverse: the list's first element must be the outermost.
    List<ServerInterceptor> chain = new java.util.ArrayList<>(interceptors);
    chain.add(new CallerContextInterceptor());
    java.util.Collections.reverse(chain);
    for (BindableService service : services) {
      ServerServiceDefinition definition = ServerInterceptors.intercept(service, chain);
      builder.addService(definition);
    }
    Server server;
    try {
      server = builder.build().start();
    } catch (IOException | RuntimeException e) {
      loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw new IOException("cannot listen on " + socketPath + ": " + e.getMessage(), e);
    }
    if (access == Access.ANY_LOCAL_USER) {
      Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rwxrwxrwx"));
    }
    return new UnixSocketServer(socketPath, server, loops);
  }

  private static boolean isSocket(Path path) throws IOException {
    Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    return mode instanceof Integer m && (m & 0170000) == 0140000;
  }

  public Path socketPath() {
    return socketPath;
  }

  @Override
  public void close() {
    GrpcServerShutdown.stop(server, loops);
    try {
      Files.deleteIfExists(socketPath);
    } catch (IOException ignored) {
      // Best effort: a stale socket is replaced at the next start.
    }
  }
}
