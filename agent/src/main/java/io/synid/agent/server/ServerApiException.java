package io.synid.agent.server;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.synid.api.spire.types.PermissionDeniedDetails;
import java.util.Optional;

/**
 * A call to the server failed. {@link #retryable()} tells transient failures (server down,
 * deadline) from answers that will not change by retrying; {@link #denial()} carries SPIRE's
 * reason when the server refused the agent itself (evicted, banned, expired).
 */
public final class ServerApiException extends Exception {
  private final boolean retryable;
  private final PermissionDeniedDetails.Reason denial;
  private final Status.Code code;

  ServerApiException(String message, Throwable cause, boolean retryable) {
    super(message, cause);
    this.retryable = retryable;
    this.denial = null;
    this.code = Status.Code.UNKNOWN;
  }

  private ServerApiException(String message, Throwable cause, Status.Code code,
      PermissionDeniedDetails.Reason denial) {
    super(message, cause);
    this.code = code;
    this.denial = denial;
    this.retryable = switch (code) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNKNOWN -> true;
      default -> false;
    };
  }

  /** The server answered something malformed; retrying will not help. */
  public static ServerApiException malformed(String message) {
    return new ServerApiException(message, null, false);
  }

  /** Wraps a gRPC failure of {@code what}. */
  static ServerApiException of(String what, Throwable t) {
    Status status = Status.fromThrowable(t);
    PermissionDeniedDetails.Reason reason = null;
    if (t instanceof StatusRuntimeException sre) {
      com.google.rpc.Status detailed = StatusProto.fromThrowable(sre);
      if (detailed != null) {
        for (var any : detailed.getDetailsList()) {
          if (any.is(PermissionDeniedDetails.class)) {
            try {
              reason = any.unpack(PermissionDeniedDetails.class).getReason();
            } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
              // A malformed detail is treated as no detail.
            }
          }
        }
      }
    }
    String description = status.getDescription() == null ? "" : ": " + status.getDescription();
    return new ServerApiException(what + " failed (" + status.getCode() + description + ")", t,
        status.getCode(), reason);
  }

  public boolean retryable() {
    return retryable;
  }

  /** The gRPC code, UNKNOWN for failures that were not gRPC answers. */
  public Status.Code code() {
    return code;
  }

  /** The server's reason for refusing this agent, if it gave one. */
  public Optional<PermissionDeniedDetails.Reason> denial() {
    return Optional.ofNullable(denial);
  }
}
