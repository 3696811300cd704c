package io.synid.server.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.FileNotFoundException;
import java.util.Locale;

/**
 * gRPC failures worded as SPIRE's Go CLI words them, so that scripts matching on
 * {@code rpc error: code = NotFound} keep working.
 */
public final class GrpcErrors {
  private static final String[] CODE_NAMES = {
    "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
    "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted",
    "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated",
  };

  private GrpcErrors() {}

  /** The Go name of a gRPC status code ({@code NotFound}), or {@code Code(n)} for unknown codes. */
  public static String codeName(int code) {
    if (code >= 0 && code < CODE_NAMES.length) {
      return CODE_NAMES[code];
    }
    return "Code(" + code + ")";
  }

  /** {@code rpc error: code = <Code> desc = <description>}, as grpc-go formats a status error. */
  public static String describe(StatusRuntimeException e) {
    Status status = e.getStatus();
    String description = status.getDescription();
    Throwable cause = status.getCause();
    if (cause != null && (description == null || description.equals("io exception"))) {
      // Transport failures (no server on the socket) carry their reason in the cause only.
      description = "connection error: " + transportReason(cause);
    }
    return "rpc error: code = " + codeName(status.getCode().value()) + " desc = "
        + (description == null ? "" : description);
  }

  /** The reason a connection failed, in the words of the system call ({@code connect: ...}). */
  private static String transportReason(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof FileNotFoundException) {
        return "connect: no such file or directory";
      }
      String message = t.getMessage();
      if (message != null && !message.isBlank()) {
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("connection refused")) {
          return "connect: connection refused";
        }
        if (lower.contains("permission denied")) {
          return "connect: permission denied";
        }
        return message;
      }
    }
    return cause.getClass().getSimpleName();
  }

  /** A {@link CliException} reading {@code <context>: rpc error: ...}. */
  public static CliException wrap(String context, StatusRuntimeException e) {
    return new CliException(context + ": " + describe(e), e);
  }
}
