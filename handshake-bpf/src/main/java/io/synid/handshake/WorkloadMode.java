package io.synid.handshake;

/**
 * How the kernel treats one workload's handshakes.
 *
 * @param enforce drop what fails; otherwise pass it and report {@code WOULD_DENY}
 * @param requireMutual as a client, drop a SYN-ACK that carries no FP1
 */
public record WorkloadMode(boolean enforce, boolean requireMutual) {

  /** Enforce, accept unauthenticated servers (the default for a workload without a mode entry). */
  public static final WorkloadMode ENFORCE = new WorkloadMode(true, false);
  /** Report only. */
  public static final WorkloadMode MONITOR = new WorkloadMode(false, false);
  /** Enforce and require servers to prove their identity too. */
  public static final WorkloadMode ENFORCE_MUTUAL = new WorkloadMode(true, true);

  int bits() {
    return (enforce ? 1 : 0) | (requireMutual ? 2 : 0);
  }
}
