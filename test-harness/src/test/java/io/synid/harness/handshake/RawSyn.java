package io.synid.harness.handshake;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/** Sends a hand-made IPv4 SYN (MSS plus whatever option bytes the test wants) from a namespace. */
final class RawSyn {

  private RawSyn() {}

  /** TAI seconds mod 2^16, the kernel's ts16 clock. */
  static int ts16Now() {
    Pointer ts = Memory.allocateDirect(Runtime.getRuntime(LinuxCalls.LIBC), 16);
    LinuxCalls.LIBC.clock_gettime(LinuxCalls.CLOCK_TAI, ts);
    return (int) (ts.getLong(0) & 0xffff);
  }

  /** Sends one SYN with {@code option} (20 bytes) after an MSS option. */
  static void send(NodeThread thread, Inet4Address src, int srcPort, Inet4Address dst, int dstPort, int seq,
      byte[] option) throws Exception {
    byte[] tcp = segment(src, srcPort, dst, dstPort, seq, option);
    thread.call(() -> {
      LinuxCalls c = LinuxCalls.LIBC;
      Runtime rt = Runtime.getRuntime(c);
      int fd = c.socket(LinuxCalls.AF_INET, LinuxCalls.SOCK_RAW, LinuxCalls.IPPROTO_TCP);
      if (fd < 0) {
        throw new IllegalStateException("raw socket failed: errno " + rt.getLastError());
      }
      try {
        Pointer buf = Memory.allocateDirect(rt, tcp.length);
        buf.put(0, tcp, 0, tcp.length);
        ByteBuffer sin = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        sin.putShort((short) LinuxCalls.AF_INET).putShort((short) 0).put(dst.getAddress());
        Pointer addr = Memory.allocateDirect(rt, 16);
        addr.put(0, sin.array(), 0, 16);
        long n = c.sendto(fd, buf, tcp.length, 0, addr, 16);
        if (n != tcp.length) {
          throw new IllegalStateException("raw send failed: errno " + rt.getLastError());
        }
      } finally {
        c.close(fd);
      }
      return null;
    });
  }

  static byte[] segment(Inet4Address src, int srcPort, Inet4Address dst, int dstPort, int seq, byte[] option) {
    int len = 20 + 4 + option.length;
    ByteBuffer t = ByteBuffer.allocate(len);
    t.putShort((short) srcPort).putShort((short) dstPort).putInt(seq).putInt(0);
    t.put((byte) ((len / 4) << 4)).put((byte) 0x02).putShort((short) 64240).putShort((short) 0).putShort((short) 0);
    t.put(new byte[] {2, 4, 0x05, (byte) 0xb4}).put(option);
    byte[] seg = t.array();
    ByteBuffer pseudo = ByteBuffer.allocate(12 + len);
    pseudo.put(src.getAddress()).put(dst.getAddress()).put((byte) 0).put((byte) 6).putShort((short) len).put(seg);
    int sum = checksum(pseudo.array());
    seg[16] = (byte) (sum >>> 8);
    seg[17] = (byte) sum;
    return seg;
  }

  private static int checksum(byte[] b) {
    long sum = 0;
    for (int i = 0; i + 1 < b.length; i += 2) {
      sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    }
    if (b.length % 2 == 1) {
      sum += (b[b.length - 1] & 0xff) << 8;
    }
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xffff) + (sum >>> 16);
    }
    return (int) (~sum & 0xffff);
  }
}
