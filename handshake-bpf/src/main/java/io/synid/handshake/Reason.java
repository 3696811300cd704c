package io.synid.handshake;

/** Why the kernel decided as it did; codes are the REASON_* constants of handshake.h. */
public enum Reason {
  /** Authenticated and allowed by a verdict. */
  OK(0),
  /** No FP1 and no CIDR rule allowing the peer (or a SYN-ACK without FP1 under mutual mode). */
  MISSING_OPTION(1),
  /** The TCP option list or the FP1 in it is malformed, or its version unknown. */
  MALFORMED(2),
  /** No key for the sender's node and key epoch. */
  BAD_EPOCH(3),
  /** ts16 is outside the accepted window. */
  STALE_TS(4),
  /** The tag does not verify: forged, altered, or replayed onto another connection. */
  BAD_TAG(5),
  /** The identity handle has no binding. */
  UNKNOWN_IDENT(6),
  /** The identity handle is bound to another node than the one whose key signed it. */
  NOT_HOSTED(7),
  /** No verdict allows this identity pair. */
  DENIED_PAIR(8),
  /** The pair is allowed on other ports only, or this port is denied. */
  DENIED_PORT(9),
  /** No FP1, allowed by a CIDR rule for unauthenticated peers (or a SYN-ACK without mutual mode). */
  UNAUTH_ALLOWED(10),
  /** The R flag does not match the segment (a SYN option reflected into a SYN-ACK or back). */
  BAD_ROLE(11),
  /** FP1 did not fit into an outgoing segment (TFO, MD5 or MPTCP options present). */
  NO_SPACE(12);

  private final int code;

  Reason(int code) {
    this.code = code;
  }

  /** The kernel's code. */
  public int code() {
    return code;
  }

  /** The reason for a kernel code. */
  public static Reason of(int code) {
    for (Reason r : values()) {
      if (r.code == code) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown reason code " + code);
  }
}
