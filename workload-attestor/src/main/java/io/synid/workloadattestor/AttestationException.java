package io.synid.workloadattestor;

/**
 * Thrown when a process cannot be attested: it vanished, {@code /proc} or a runtime API returned
 * something unexpected, or a remote API was unreachable. The message names the attestor and the
 * specific failure; it is meant for the agent's log, never for the workload.
 */
public final class AttestationException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message that names the attestor and the failure. */
    public AttestationException(String message) {
        super(message);
    }

    /** Creates an exception with a message and the underlying cause. */
    public AttestationException(String message, Throwable cause) {
        super(message, cause);
    }
}
