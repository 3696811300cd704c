package io.synid.agent.audit;

import java.io.IOException;

/** Forwarding audit records to the server failed; the worker retries with backoff. */
public final class AuditForwardException extends IOException {
  public AuditForwardException(String message, Throwable cause) {
    super(message, cause);
  }
}
