package io.synid.handshake;

import java.nio.file.Path;
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
 */
public record DatapathConfig(Path cgroup, Lifetime lifetime, Optional<Path> pinDirectory, int timestampWindowSeconds,
    int nodeShift) {

  /** Default accepted clock skew: nodes run NTP, a SYN is retransmitted for at most ~2 minutes. */
  public static final int DEFAULT_WINDOW_SECONDS = 30;
  /** Default split of an identity handle: 12 bits of node, 20 bits of local slot. */
  public static final int DEFAULT_NODE_SHIFT = 20;

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
  }

  /** Fail-open attachment to {@code cgroup} with default settings. */
  public static DatapathConfig failOpen(Path cgroup) {
    return new DatapathConfig(cgroup, Lifetime.FAIL_OPEN, Optional.empty(), DEFAULT_WINDOW_SECONDS,
        DEFAULT_NODE_SHIFT);
  }

  /** Fail-closed attachment to {@code cgroup}, pinned under {@code pinDirectory} (on bpffs). */
  public static DatapathConfig failClosed(Path cgroup, Path pinDirectory) {
    return new DatapathConfig(cgroup, Lifetime.FAIL_CLOSED, Optional.of(pinDirectory), DEFAULT_WINDOW_SECONDS,
        DEFAULT_NODE_SHIFT);
  }

  /** The same configuration with another timestamp window. */
  public DatapathConfig withTimestampWindow(int seconds) {
    return new DatapathConfig(cgroup, lifetime, pinDirectory, seconds, nodeShift);
  }
}
