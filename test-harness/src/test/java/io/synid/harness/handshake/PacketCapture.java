package io.synid.harness.handshake;

import io.synid.handshake.Fp1Option;
import io.synid.handshake.MalformedOptionException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/** An AF_PACKET capture of one interface of a namespace: every frame in both directions. */
final class PacketCapture implements AutoCloseable {

  /** One IPv4 TCP segment as seen on the wire. */
  record Segment(byte[] src, byte[] dst, int srcPort, int dstPort, int seq, int ack, int flags, byte[] options) {
    boolean syn() {
      return (flags & 0x02) != 0;
    }

    boolean ackFlag() {
      return (flags & 0x10) != 0;
    }

    Optional<Fp1Option> fp1() throws MalformedOptionException {
      return Fp1Option.find(options);
    }
  }

  private final int fd;
  private final List<byte[]> frames = new CopyOnWriteArrayList<>();
  private final Thread reader;
  private volatile boolean running = true;

  private PacketCapture(int fd) {
    this.fd = fd;
    this.reader = new Thread(this::read, "packet-capture");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts capturing on {@code device} of the namespace {@code thread} lives in. */
  static PacketCapture start(NodeThread thread, String device) throws Exception {
    return new PacketCapture(thread.call(() -> {
      LinuxCalls c = LinuxCalls.LIBC;
      Runtime rt = Runtime.getRuntime(c);
      int fd = c.socket(LinuxCalls.AF_PACKET, LinuxCalls.SOCK_RAW, 0x0300); // htons(ETH_P_ALL)
      if (fd < 0) {
        throw new IllegalStateException("AF_PACKET socket failed: errno " + rt.getLastError());
      }
      int ifindex = c.if_nametoindex(device);
      ByteBuffer sll = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
      sll.putShort((short) LinuxCalls.AF_PACKET).putShort((short) 0x0300).putInt(ifindex);
      Pointer addr = Memory.allocateDirect(rt, 20);
      addr.put(0, sll.array(), 0, 20);
      if (c.bind(fd, addr, 20) != 0) {
        throw new IllegalStateException("binding the capture to " + device + " failed: errno " + rt.getLastError());
      }
      // A receive timeout lets the reader notice close() without signals.
      Pointer tv = Memory.allocateDirect(rt, 16);
      tv.putLong(0, 0);
      tv.putLong(8, 100_000);
      c.setsockopt(fd, LinuxCalls.SOL_SOCKET, LinuxCalls.SO_RCVTIMEO, tv, 16);
      // A multi-megabyte transfer arrives as 64 KiB GSO frames: with the default receive buffer
      // the kernel drops frames (the FIN among them) before the reader gets to them.
      Pointer size = Memory.allocateDirect(rt, 4);
      size.putInt(0, 64 << 20);
      c.setsockopt(fd, LinuxCalls.SOL_SOCKET, LinuxCalls.SO_RCVBUFFORCE, size, 4);
      return fd;
    }));
  }

  private void read() {
    LinuxCalls c = LinuxCalls.LIBC;
    Pointer buf = Memory.allocateDirect(Runtime.getRuntime(c), 65536);
    while (running) {
      long n = c.recv(fd, buf, 65536, 0);
      if (n > 0) {
        byte[] frame = new byte[(int) n];
        buf.get(0, frame, 0, frame.length);
        frames.add(frame);
      }
    }
  }

  /** The IPv4 TCP segments captured so far, in order. */
  List<Segment> tcpSegments() {
    List<Segment> out = new ArrayList<>();
    for (byte[] f : frames) {
      ByteBuffer b = ByteBuffer.wrap(f);
      if (f.length < 34 || b.getShort(12) != 0x0800 || f[23] != 6) {
        continue;
      }
      int ihl = (f[14] & 0x0f) * 4;
      int t = 14 + ihl;
      if (f.length < t + 20) {
        continue;
      }
      int doff = ((f[t + 12] & 0xff) >>> 4) * 4;
      byte[] options = java.util.Arrays.copyOfRange(f, t + 20, Math.min(f.length, t + doff));
      out.add(new Segment(java.util.Arrays.copyOfRange(f, 26, 30), java.util.Arrays.copyOfRange(f, 30, 34),
          b.getShort(t) & 0xffff, b.getShort(t + 2) & 0xffff, b.getInt(t + 4), b.getInt(t + 8), f[t + 13] & 0xff,
          options));
    }
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    reader.join(2_000);
    LinuxCalls.LIBC.close(fd);
  }
}
