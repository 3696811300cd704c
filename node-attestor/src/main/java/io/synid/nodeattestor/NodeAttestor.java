package io.synid.nodeattestor;

/**
 * The server half of a node attestation method (SPIRE's server {@code NodeAttestor} plugin type).
 *
 * <p>An attestation is a conversation: {@link #attest} receives the agent's attestation payload
 * and answers either with the result or with a challenge; the agent's answer to a challenge goes
 * to {@link AttestationStep.Challenge#respond}, which again answers with a result or a further
 * challenge. The conversation is driven by the caller (the agent API), one step per message, so
 * no thread waits for the agent.
 *
 * <p>Implementations are thread-safe: each call to {@link #attest} starts an independent
 * conversation.
 */
public interface NodeAttestor {
  /** The attestation data type this attestor accepts ({@code join_token}, {@code x509pop}). */
  String name();

  /**
   * Starts attesting a node from its attestation payload.
   *
   * @param payload the agent's attestation data, untrusted
   * @throws AttestationException if the payload is malformed or does not attest a node; the
   *     message is safe to return to the agent and to audit
   */
  AttestationStep attest(byte[] payload) throws AttestationException;
}
