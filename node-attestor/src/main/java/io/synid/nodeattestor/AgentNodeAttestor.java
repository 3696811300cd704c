package io.synid.nodeattestor;

/**
 * The agent half of a node attestation method (SPIRE's agent {@code NodeAttestor} plugin type):
 * produces the attestation payload and answers the server's challenges.
 */
public interface AgentNodeAttestor {
  /** The attestation data type sent with the payload; the same as the server half's name. */
  String name();

  /** The attestation payload sent in the first message. */
  byte[] payload() throws AttestationException;

  /**
   * Answers a challenge from the server.
   *
   * @throws AttestationException if the challenge is malformed or of a kind this attestor cannot
   *     answer
   */
  byte[] respond(byte[] challenge) throws AttestationException;
}
