package io.synid.api.transport;

import io.grpc.Attributes;
import io.grpc.Context;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Who is on the other end of a Unix-socket call, from the kernel ({@code SO_PEERCRED}), not from
 * anything the caller sent.
 *
 * @param pid process ID at connect time
 * @param uid effective user ID
 * @param gid effective group ID
 * @param startTime the process's start time read right after the connection was accepted
 *     ({@code /proc/<pid>/stat} field 22, clock ticks since boot), or -1 if it could not be read;
 *     with the pid it names one process across pid reuse (see {@link #stillConnectedProcess})
 */
public record CallerCredentials(int pid, int uid, int gid, long startTime) {
  /** Credentials without a recorded start time. */
  public CallerCredentials(int pid, int uid, int gid) {
    this(pid, uid, gid, -1);
  }

  private static final int STAT_PREFIX_BYTES = 4096;

  /** Transport attribute set by {@link PeerCredentialsNegotiator}. */
  public static final Attributes.Key<CallerCredentials> TRANSPORT_ATTRIBUTE =
      Attributes.Key.create("synid.caller-credentials");

  /** The credentials of the call being served, set by {@link CallerContextInterceptor}. */
  public static final Context.Key<CallerCredentials> CONTEXT_KEY =
      Context.key("synid.caller-credentials");

  /** The current call's credentials, if it came over a Unix socket. */
  public static Optional<CallerCredentials> current() {
    return Optional.ofNullable(CONTEXT_KEY.get());
  }

  /**
   * Whether {@code pid} still names the process that connected: it exists and has the start
   * time recorded at connect time. A process that exited (and a new one that got its pid) fails
   * this check; so does a caller whose start time was not recorded.
   */
  public boolean stillConnectedProcess() {
    return startTime >= 0 && startTime == startTimeOf(pid);
  }

  /**
   * The start time of process {@code pid} ({@code /proc/<pid>/stat} field 22), or -1 if the
   * process does not exist or the file cannot be parsed.
   */
  public static long startTimeOf(int pid) {
    // Files.readString would size its buffer from the file (0 for /proc files) and grow it by
    // copying; the fields up to 22 always fit in the first 4 KiB (the command name is at most
    // 64 bytes), and a cut after them does not move the last ')'.
    byte[] buffer = new byte[STAT_PREFIX_BYTES];
    try {
      int length;
      try (InputStream in = Files.newInputStream(Path.of("/proc", Integer.toString(pid), "stat"))) {
        length = in.readNBytes(buffer, 0, buffer.length);
      }
      String stat = new String(buffer, 0, length, StandardCharsets.US_ASCII);
      // The command name (field 2) is in parentheses and may contain spaces or parentheses:
      // fields after it are counted from the last ')'.
      int end = stat.lastIndexOf(')');
      if (end < 0) {
        return -1;
      }
      // The field after the 19th space following it is field 22.
      int from = end + 1;
      for (int field = 2; field < 22; field++) {
        from = stat.indexOf(' ', from);
        if (from < 0) {
          return -1;
        }
        from++;
      }
      int to = stat.indexOf(' ', from);
      return Long.parseLong(stat, from, to < 0 ? stat.length() : to, 10);
    } catch (Exception e) {
      return -1;
    }
  }

  /**
   * The caller's executable path from {@code /proc/<pid>/exe}, or empty if the process is gone
   * or not visible. Informational only (for audit): the pid may be reused.
   */
  public Optional<String> executablePath() {
    try {
      return Optional.of(Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "exe"))
          .toString());
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
