package io.synid.handshake;

/** The kernel's counters, in the order of {@code enum counter} in handshake.h. */
public enum Counter {
  /** SYNs checked for a managed listener. */
  SYN_CHECKED,
  /** SYN-ACKs checked for a managed client. */
  SYNACK_CHECKED,
  /** Handshake segments passed. */
  ALLOWED,
  /** Handshake segments dropped. */
  DENIED,
  /** Handshake segments passed in monitor mode that would have been dropped. */
  WOULD_DENY,
  /** SYNs or SYN-ACKs for sockets of cgroups without a local identity. */
  UNMANAGED,
  /** FP1 options written into SYNs. */
  OPTION_WRITTEN_SYN,
  /** FP1 options written into SYN-ACKs. */
  OPTION_WRITTEN_SYNACK,
  /** Sockets where FP1 did not fit. */
  OPTION_NO_SPACE,
  /** Handshakes with a mesh peer for which no transmit key was installed. */
  NO_KEY,
  /** Connections to addresses outside every peer-node prefix (sent without FP1). */
  OUTSIDE_MESH,
  /** Events lost because the ring buffer was full. */
  EVENTS_LOST,
  /**
   * Sockops invocations, except the kernel's set-up queries (TIMEOUT_INIT, RWND_INIT,
   * NEEDS_ECN, BASE_RTT), which the program answers at once with the default.
   */
  SOCKOPS_CALLS,
  /** Sockops invocations of per-segment kinds (RTO, retransmit, RTT, option parsing): stays 0. */
  SOCKOPS_OTHER,
  /** Allowed handshakes counted but not reported, by the sampling of ALLOW events. */
  EVENTS_SAMPLED,
  /**
   * Signed SYN-ACKs sent while the listener was in syncookie mode (its SYN queue full, or
   * {@code net.ipv4.tcp_syncookies=2}): the SYN is at hand for the first SYN-ACK, so FP1 is
   * still written; it is counted so an operator sees the listener under pressure.
   */
  SYNACK_COOKIE,
  /**
   * SYN-ACKs of an FP1 handshake sent without FP1 because the SYN was no longer at hand: a
   * SYN-ACK retransmitted from the request timer. A client requiring mutual authentication drops
   * it and retransmits its SYN, whose answer is signed again.
   */
  SYNACK_NO_SYN,
  /**
   * IPv6 packets whose extension headers go on past the eight the programs walk to find TCP (Linux
   * delivers TCP behind any number of routing and destination-options headers): the TC program
   * drops them, the cgroup_skb program refuses them as MALFORMED for a managed workload (by its
   * mode). No real stack sends such chains.
   */
  HEADER_CHAIN;

  /** Size of the kernel's counter array. */
  static final int KERNEL_SLOTS = 32;
}
