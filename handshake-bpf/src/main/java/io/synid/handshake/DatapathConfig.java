package io.synid.handshake;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how to attach the datapath.
 *
 * @param cgroup a cgroup v2 directory; the programs govern every socket in its subtree
 * @param lifetime fail-closed (pinned) or fail-open
 * @param pinDirectory a directory on a bpffs mount; required for {@link Lifetime#FAIL_CLOSED}
 * @param timestampWindowSeconds accepted |now - ts16| of a received FP1, 1 to 3600
 * @param nodeShift {@code ident >> nodeShift} is the node index part of an identity handle
 * @param allowedEventInterval sampling of ALLOW events: the first allowed handshake of a kind
 *     (local identity, peer identity, server port, direction, reason; plus the address of an
 *     unauthenticated peer) is reported, then at most one per interval, and the others are only
 *     counted ({@link Counter#EVENTS_SAMPLED}); refusals are always reported. {@link Duration#ZERO}
 *     reports every handshake. 0 to 1 hour, millisecond resolution.
 * @param tcDevices empty: the checks run in cgroup_skb/ingress on {@code cgroup}. Otherwise they
 *     run at TC ingress of these devices instead (Ethernet or loopback devices of the network
 *     namespace of the thread calling {@link HandshakeDatapath#open}), for a device-level attach;
 *     sockops stays on the cgroup either way. TC filters are not links: see docs/handshake.md for
 *     what that means for {@link Lifetime}.
 */
public record DatapathConfig(Path cgroup, Lifetime lifetime, Optional<Path> pinDirectory, int timestampWindowSeconds,
    int nodeShift, Duration allowedEventInterval, List<String> tcDevices) {

  /** Default accepted clock skew: nodes run NTP, a SYN is retransmitted for at most ~2 minutes. */
  public static final int DEFAULT_WINDOW_SECONDS = 30;
  /** Default split of an identity handle: 12 bits of node, 20 bits of local slot. */
  public static final int DEFAULT_NODE_SHIFT = 20;
  /** Default sampling of ALLOW events: one per kind and second; refusals are always reported. */
  public static final Duration DEFAULT_ALLOWED_EVENT_INTERVAL = Duration.ofSeconds(1);

  /** Validates; all errors are programmer errors. */
  public DatapathConfig {
    Objects.requireNonNull(cgroup, "cgroup");
    Objects.requireNonNull(lifetime, "lifetime");
    Objects.requireNonNull(pinDirectory, "pinDirectory");
    if (lifetime == Lifetime.FAIL_CLOSED && pinDirectory.isEmpty()) {
      throw new IllegalArgumentException("FAIL_CLOSED needs a bpffs pin directory");
    }
    if (timestampWindowSeconds < 1 || timestampWindowSeconds > 3600) {
      throw new IllegalArgumentException("timestamp window out of range: " + timestampWindowSeconds);
    }
    if (nodeShift < 1 || nodeShift > 31) {
      throw new IllegalArgumentException("node shift out of range: " + nodeShift);
    }
    Objects.requireNonNull(allowedEventInterval, "allowedEventInterval");
    if (allowedEventInterval.isNegative() || allowedEventInterval.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("allowed event interval out of range: " + allowedEventInterval);
    }
    tcDevices = List.copyOf(tcDevices);
    for (String d : tcDevices) {
      if (d.isEmpty() || d.length() > 15 || d.contains("/")) {
        throw new IllegalArgumentException("not a device name: " + d);
      }
    }
  }

  /** Fail-open attachment to {@code cgroup} with default settings. */
  public static DatapathConfig failOpen(Path cgroup) {
    return new DatapathConfig(cgroup, Lifetime.FAIL_OPEN, Optional.empty(), DEFAULT_WINDOW_SECONDS,
        DEFAULT_NODE_SHIFT, DEFAULT_ALLOWED_EVENT_INTERVAL, List.of());
  }

  /** Fail-closed attachment to {@code cgroup}, pinned under {@code pinDirectory} (on bpffs). */
  public static DatapathConfig failClosed(Path cgroup, Path pinDirectory) {
    return new DatapathConfig(cgroup, Lifetime.FAIL_CLOSED, Optional.of(pinDirectory), DEFAULT_WINDOW_SECONDS,
        DEFAULT_NODE_SHIFT, DEFAULT_ALLOWED_EVENT_INTERVAL, List.of());
  }

  /** The same configuration with another timestamp window. */
  public DatapathConfig withTimestampWindow(int seconds) {
    return new DatapathConfig(cgroup, lifetime, pinDirectory, seconds, nodeShift, allowedEventInterval, tcDevices);
  }

  /** The same configuration with another sampling interval for ALLOW events ({@link Duration#ZERO}: all). */
  public DatapathConfig withAllowedEventInterval(Duration interval) {
    return new DatapathConfig(cgroup, lifetime, pinDirectory, timestampWindowSeconds, nodeShift, interval, tcDevices);
  }

  /**
   * The same configuration with the checks at TC ingress of {@code devices} instead of cgroup_skb.
   * TC sees frames as each device receives them: list the devices on which the workloads' IP
   * packets arrive (the VLAN or tunnel device, not only its parent), since a VLAN frame whose tag
   * the NIC did not strip, a tunnel's outer packet or an ESP packet passes a parent's filter
   * unchecked (see docs/handshake.md).
   */
  public DatapathConfig withTcIngress(List<String> devices) {
    return new DatapathConfig(cgroup, lifetime, pinDirectory, timestampWindowSeconds, nodeShift,
        allowedEventInterval, devices);
  }
}
