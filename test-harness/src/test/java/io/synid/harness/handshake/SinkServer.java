package io.synid.harness.handshake;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP server that reads each connection to its end and answers with the byte count. Its
 * listening socket is created on a {@link NodeThread}, so it belongs to that node's namespace and
 * workload cgroup.
 */
final class SinkServer implements AutoCloseable {

  private final ServerSocket socket;
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "sink-server");
    t.setDaemon(true);
    return t;
  });
  private final Set<Integer> acceptedPorts = ConcurrentHashMap.newKeySet();

  private SinkServer(ServerSocket socket) {
    this.socket = socket;
    workers.submit(this::acceptLoop);
  }

  /** Listens on {@code port}; a null address binds the dual-stack wildcard (IPv4 clients appear v4-mapped). */
  static SinkServer listen(NodeThread thread, InetAddress address, int port) throws Exception {
    return new SinkServer(thread.call(() -> {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(address, port), 512);
      return s;
    }));
  }

  /** Remote ports of the connections accepted so far. */
  Set<Integer> acceptedPorts() {
    return Set.copyOf(acceptedPorts);
  }

  private Void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket c = socket.accept();
        acceptedPorts.add(c.getPort());
        workers.submit(() -> drain(c));
      } catch (IOException e) {
        if (socket.isClosed()) {
          return null;
        }
      }
    }
    return null;
  }

  private static Void drain(Socket c) {
    try (c) {
      c.setSoTimeout(30_000);
      InputStream in = c.getInputStream();
      byte[] buf = new byte[64 * 1024];
      long total = 0;
      for (int n; (n = in.read(buf)) > 0; ) {
        total += n;
      }
      DataOutputStream out = new DataOutputStream(c.getOutputStream());
      out.writeLong(total);
      out.flush();
    } catch (IOException e) {
      // The peer went away; nothing to report for a sink.
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    socket.close();
    workers.shutdownNow();
  }
}
