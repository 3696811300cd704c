package io.synid.handshake;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One decision of the kernel on a SYN or SYN-ACK, or a socket whose FP1 did not fit.
 *
 * @param timestampNanos CLOCK_MONOTONIC of the decision
 * @param cgroupId the local workload's cgroup v2 id (0 for {@link Kind#NO_SPACE})
 * @param localAddress the local address (IPv4 for IPv4 and v4-mapped traffic)
 * @param localPort the local port
 * @param peerAddress the remote address
 * @param peerPort the remote port
 * @param localIdent the local workload's identity handle
 * @param peerIdent the identity handle the peer's FP1 claimed, 0 without FP1
 * @param peerIdentity the global identity bound to the peer's handle, 0 when unknown
 * @param pid the process, 0 when the decision ran in softirq (every ingress decision)
 * @param kind what was decided on
 * @param action what the kernel did
 * @param reason why
 * @param keyId the key epoch id the peer used
 */
public record HandshakeEvent(long timestampNanos, long cgroupId, InetAddress localAddress, int localPort,
    InetAddress peerAddress, int peerPort, int localIdent, int peerIdent, int peerIdentity, int pid, Kind kind,
    Action action, Reason reason, int keyId) {

  /** Size of {@code struct handshake_event}. */
  static final int SIZE = 72;
  static final int OFF_TIMESTAMP = 0;
  static final int OFF_CGROUP = 8;
  static final int OFF_LOCAL_ADDR = 16;
  static final int OFF_PEER_ADDR = 32;
  static final int OFF_LOCAL_PORT = 48;
  static final int OFF_PEER_PORT = 50;
  static final int OFF_LOCAL_IDENT = 52;
  static final int OFF_PEER_IDENT = 56;
  static final int OFF_PEER_IDENTITY = 60;
  static final int OFF_PID = 64;
  static final int OFF_KIND = 68;
  static final int OFF_ACTION = 69;
  static final int OFF_REASON = 70;
  static final int OFF_KEY_ID = 71;

  /** What the event is about. */
  public enum Kind {
    /** A SYN reached a managed listener. */
    SYN,
    /** A SYN-ACK reached a managed client. */
    SYN_ACK,
    /** FP1 did not fit into an outgoing SYN or SYN-ACK. */
    NO_SPACE
  }

  /** What the kernel did. */
  public enum Action {
    /** Passed. */
    ALLOW,
    /** Dropped. */
    DENY,
    /** Passed in monitor mode, would have been dropped in enforce mode. */
    WOULD_DENY
  }

  /** Decodes {@code struct handshake_event} (native little-endian). */
  static HandshakeEvent decode(byte[] raw) {
    if (raw.length < SIZE) {
      throw new IllegalArgumentException("short event: " + raw.length);
    }
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    return new HandshakeEvent(b.getLong(OFF_TIMESTAMP), b.getLong(OFF_CGROUP), address(raw, OFF_LOCAL_ADDR),
        b.getShort(OFF_LOCAL_PORT) & 0xffff, address(raw, OFF_PEER_ADDR), b.getShort(OFF_PEER_PORT) & 0xffff,
        b.getInt(OFF_LOCAL_IDENT), b.getInt(OFF_PEER_IDENT), b.getInt(OFF_PEER_IDENTITY), b.getInt(OFF_PID),
        kind(raw[OFF_KIND]), action(raw[OFF_ACTION]), Reason.of(raw[OFF_REASON] & 0xff), raw[OFF_KEY_ID] & 0xff);
  }

  private static Kind kind(byte code) {
    return switch (code) {
      case 1 -> Kind.SYN;
      case 2 -> Kind.SYN_ACK;
      case 3 -> Kind.NO_SPACE;
      default -> throw new IllegalArgumentException("unknown event kind " + code);
    };
  }

  private static Action action(byte code) {
    return switch (code) {
      case 1 -> Action.ALLOW;
      case 2 -> Action.DENY;
      case 3 -> Action.WOULD_DENY;
      default -> throw new IllegalArgumentException("unknown action " + code);
    };
  }

  private static InetAddress address(byte[] raw, int off) {
    byte[] a = java.util.Arrays.copyOfRange(raw, off, off + 16);
    try {
      // getByAddress turns ::ffff:a.b.c.d into an Inet4Address, matching what sockets report.
      return InetAddress.getByAddress(a);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("16 bytes are always an address", e);
    }
  }
}
