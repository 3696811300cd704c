package io.synid.nodeattestor;

import java.util.Objects;

/** What the server half of an attestation answers to one message from the agent. */
public sealed interface AttestationStep {
  /** The node is attested. */
  record Attested(AttestationResult result) implements AttestationStep {
    public Attested {
      Objects.requireNonNull(result, "result");
    }
  }

  /** The agent must answer {@code challenge}; its answer goes to {@link #respond}. */
  final class Challenge implements AttestationStep {
    /** Verifies the agent's answer and produces the next step. */
    @FunctionalInterface
    public interface Verifier {
      AttestationStep verify(byte[] response) throws AttestationException;
    }

    private final byte[] challenge;
    private final Verifier verifier;

    public Challenge(byte[] challenge, Verifier verifier) {
      this.challenge = challenge.clone();
      this.verifier = Objects.requireNonNull(verifier, "verifier");
    }

    /** The challenge bytes to send to the agent. */
    public byte[] challenge() {
      return challenge.clone();
    }

    /**
     * Verifies the agent's answer.
     *
     * @throws AttestationException if the answer is malformed or wrong
     */
    public AttestationStep respond(byte[] response) throws AttestationException {
      return verifier.verify(response);
    }
  }
}
