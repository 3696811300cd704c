package io.synid.agent;

/**
 * The agent cannot go on and must stop: it was banned, or evicted with an attestation method
 * that cannot attest again, or its configuration or stored state is unusable. The message tells
 * the operator what happened and what to do.
 */
public final class AgentTerminatedException extends Exception {
  public AgentTerminatedException(String message) {
    super(message);
  }

  public AgentTerminatedException(String message, Throwable cause) {
    super(message, cause);
  }
}
