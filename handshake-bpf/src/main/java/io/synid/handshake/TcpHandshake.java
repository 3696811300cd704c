package io.synid.handshake;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * The connection facts an FP1 tag binds: both endpoints and both initial sequence numbers.
 *
 * @param client the connecting side's address
 * @param clientPort its port
 * @param server the listening side's address
 * @param serverPort its port
 * @param clientIsn the client's initial sequence number (the SYN's sequence number)
 * @param serverIsn the server's initial sequence number (the SYN-ACK's); ignored for a SYN tag
 */
public record TcpHandshake(InetAddress client, int clientPort, InetAddress server, int serverPort, int clientIsn,
    int serverIsn) {

  /** Validates the ports. */
  public TcpHandshake {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(server, "server");
    if (clientPort < 0 || clientPort > 0xffff || serverPort < 0 || serverPort > 0xffff) {
      throw new IllegalArgumentException("port out of range");
    }
  }

  /**
   * The 16-byte form the kernel uses: IPv6 as is, IPv4 as an IPv4-mapped IPv6 address, so that an
   * IPv4 client of a dual-stack listener signs and verifies the same bytes on both ends.
   */
  public static byte[] mapped(InetAddress address) {
    byte[] raw = address.getAddress();
    if (address instanceof Inet4Address) {
      byte[] m = new byte[16];
      m[10] = (byte) 0xff;
      m[11] = (byte) 0xff;
      System.arraycopy(raw, 0, m, 12, 4);
      return m;
    }
    return raw;
  }
}
