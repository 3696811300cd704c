package io.synid.api.transport;

import io.grpc.Server;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;

/** How Synid's gRPC servers stop: calls in flight get a few seconds, then everything goes. */
public final class GrpcServerShutdown {
  private GrpcServerShutdown() {}

  /**
   * Stops accepting calls, waits up to five seconds for those in flight, cancels the rest, then
   * releases the event loops. Keeps the thread's interrupt status.
   */
  public static void stop(Server server, EventLoopGroup... groups) {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    for (EventLoopGroup group : groups) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
