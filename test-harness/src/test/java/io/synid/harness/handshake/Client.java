package io.synid.harness.handshake;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/** A client connection attempt made from a {@link NodeThread}. */
final class Client {

  private Client() {}

  /**
   * The outcome of a connect: the local port is known even when the handshake failed, so events
   * about the attempt can be found.
   */
  record Attempt(int localPort, Socket socket, String failure) {
    boolean connected() {
      return socket != null;
    }
  }

  /** Connects with a bounded timeout; a dropped SYN or SYN-ACK shows up as a failure, not an exception. */
  static Attempt connect(NodeThread thread, InetAddress address, int port, int timeoutMs) throws Exception {
    return thread.call(() -> {
      Socket s = new Socket();
      // Binding first fixes the ephemeral port before the SYN leaves.
      s.bind(new InetSocketAddress(address instanceof java.net.Inet6Address ? InetAddress.getByName("::")
          : InetAddress.getByName("0.0.0.0"), 0));
      int local = s.getLocalPort();
      try {
        s.connect(new InetSocketAddress(address, port), timeoutMs);
        return new Attempt(local, s, null);
      } catch (SocketTimeoutException e) {
        s.close();
        return new Attempt(local, null, "timeout");
      } catch (IOException e) {
        s.close();
        return new Attempt(local, null, e.getMessage());
      }
    });
  }

  /** Sends {@code bytes} on an established connection, half-closes, returns the count the sink saw. */
  static long transfer(Socket s, long bytes) throws IOException {
    s.setSoTimeout(30_000);
    OutputStream out = s.getOutputStream();
    byte[] chunk = new byte[64 * 1024];
    for (long sent = 0; sent < bytes; ) {
      int n = (int) Math.min(chunk.length, bytes - sent);
      out.write(chunk, 0, n);
      sent += n;
    }
    s.shutdownOutput();
    return new DataInputStream(s.getInputStream()).readLong();
  }
}
