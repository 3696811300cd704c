package io.synid.server.grpc;

import io.grpc.Attributes;
import io.grpc.Context;
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
 */
public record CallerCredentials(int pid, int uid, int gid) {
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
