package io.synid.harness.handshake;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A TCP server that echoes every byte at once (TCP_NODELAY), for round-trip measurements. */
final class EchoServer implements AutoCloseable {

  private final ServerSocket socket;
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "echo-server");
    t.setDaemon(true);
    return t;
  });

  private EchoServer(ServerSocket socket) {
    this.socket = socket;
    workers.submit(this::acceptLoop);
  }

  /** Listens on {@code port} from {@code thread}'s namespace and cgroup (null: dual-stack wildcard). */
  static EchoServer listen(NodeThread thread, InetAddress address, int port) throws Exception {
    return new EchoServer(thread.call(() -> {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(address, port), 64);
      return s;
    }));
  }

  private Void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket c = socket.accept();
        workers.submit(() -> echo(c));
      } catch (IOException e) {
        if (socket.isClosed()) {
          return null;
        }
      }
    }
    return null;
  }

  private static Void echo(Socket c) {
    try (c) {
      c.setTcpNoDelay(true);
      c.setSoTimeout(60_000);
      InputStream in = c.getInputStream();
      OutputStream out = c.getOutputStream();
      byte[] buf = new byte[256];
      for (int n; (n = in.read(buf)) > 0; ) {
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      // The client went away; nothing to report for an echo server.
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    socket.close();
    workers.shutdownNow();
  }
}
