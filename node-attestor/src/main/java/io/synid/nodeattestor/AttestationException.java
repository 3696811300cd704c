package io.synid.nodeattestor;

import java.util.Objects;

/**
 * A node could not be attested. The message names the attestor and the reason, with no secret in
 * it, so that it can be returned to the agent and written to the audit log.
 */
public final class AttestationException extends Exception {
  /** Why attestation failed, which decides the status returned to the agent. */
  public enum Reason {
    /** The payload or a response is malformed (gRPC INVALID_ARGUMENT). */
    MALFORMED,
    /** The evidence is well formed but does not prove the node's identity (PERMISSION_DENIED). */
    DENIED
  }

  private final Reason reason;

  public AttestationException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public AttestationException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
