package io.synid.harness.handshake;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * Ethernet frames carrying one TCP segment, built byte by byte for {@code
 * HandshakeDatapath.testRun}. Checksums are left zero: nothing on the test-run path checks them.
 */
final class Frames {

  static final int ETH_HLEN = 14;
  static final int IPV4_HLEN = 20;
  static final int IPV6_HLEN = 40;
  static final int TCP_HLEN = 20;
  static final int FIN = 0x01;
  static final int SYN = 0x02;
  static final int RST = 0x04;
  static final int ACK = 0x10;

  private Frames() {}

  /**
   * A TCP segment from {@code src} to {@code dst} (both IPv4 or both IPv6) with {@code options}
   * after the 20-byte TCP header, whose length must be a multiple of 4 and at most 40.
   */
  static byte[] tcp(InetAddress src, int srcPort, InetAddress dst, int dstPort, int seq, int ack, int flags,
      byte[] options) {
    if (options.length % 4 != 0 || options.length > 40) {
      throw new IllegalArgumentException("options of " + options.length + " bytes");
    }
    if ((src instanceof Inet4Address) != (dst instanceof Inet4Address)) {
      throw new IllegalArgumentException("mixed address families");
    }
    boolean v4 = src instanceof Inet4Address;
    int tcpLength = TCP_HLEN + options.length;
    ByteBuffer f = ByteBuffer.allocate(ETH_HLEN + (v4 ? IPV4_HLEN : IPV6_HLEN) + tcpLength);
    f.put(new byte[12]).putShort((short) (v4 ? 0x0800 : 0x86dd));
    if (v4) {
      f.put((byte) 0x45).put((byte) 0).putShort((short) (IPV4_HLEN + tcpLength)).putInt(0)
          .put((byte) 64).put((byte) 6).putShort((short) 0).put(src.getAddress()).put(dst.getAddress());
    } else {
      f.putInt(0x60000000).putShort((short) tcpLength).put((byte) 6).put((byte) 64).put(src.getAddress())
          .put(dst.getAddress());
    }
    f.putShort((short) srcPort).putShort((short) dstPort).putInt(seq).putInt(ack)
        .put((byte) ((tcpLength / 4) << 4)).put((byte) flags).putShort((short) 64240).putInt(0).put(options);
    return f.array();
  }

  /**
   * {@code frame}, an IPv6 frame {@link #tcp} built, with extension headers between the IPv6 and
   * the TCP header: pairs of (header type, header bytes), each a multiple of 8 bytes long whose
   * first byte (the next header) is filled in here.
   */
  static byte[] withIpv6Extensions(byte[] frame, Object... typesAndHeaders) {
    int ip = ETH_HLEN;
    ByteBuffer f = ByteBuffer.allocate(frame.length + extensionBytes(typesAndHeaders));
    f.put(frame, 0, ip + IPV6_HLEN);
    int firstNext = frame[ip + 6];
    for (int i = 0; i < typesAndHeaders.length; i += 2) {
      byte[] header = ((byte[]) typesAndHeaders[i + 1]).clone();
      header[0] = (byte) (i + 2 < typesAndHeaders.length ? (int) typesAndHeaders[i + 2] : firstNext);
      f.put(header);
    }
    f.put(frame, ip + IPV6_HLEN, frame.length - ip - IPV6_HLEN);
    byte[] out = f.array();
    out[ip + 6] = (byte) (typesAndHeaders.length > 0 ? (int) typesAndHeaders[0] : firstNext);
    int payload = out.length - ip - IPV6_HLEN;
    out[ip + 4] = (byte) (payload >> 8);
    out[ip + 5] = (byte) payload;
    return out;
  }

  private static int extensionBytes(Object[] typesAndHeaders) {
    int n = 0;
    for (int i = 1; i < typesAndHeaders.length; i += 2) {
      n += ((byte[]) typesAndHeaders[i]).length;
    }
    return n;
  }

  /** Where the TCP header starts in a frame {@link #tcp} built. */
  static int tcpOffset(byte[] frame) {
    return ETH_HLEN + ((frame[12] & 0xff) == 0x08 ? IPV4_HLEN : IPV6_HLEN);
  }
}
