package io.synid.agent.audit;

/** An audit record could not be stored (spool write failed, or the pipeline is closed). */
public final class AuditWriteException extends RuntimeException {
  public AuditWriteException(String message, Throwable cause) {
    super(message, cause);
  }
}
