package io.synid.handshake;

/**
 * What the kernel measured of one program while run-time statistics were enabled (see {@link
 * HandshakeDatapath#enableRunTimeStatistics()}): invocations and the CPU time they took.
 *
 * @param program the program's name in the object
 * @param id the kernel's program id
 * @param runCount invocations counted
 * @param runTimeNanos CPU time of those invocations
 */
public record ProgramStats(String program, int id, long runCount, long runTimeNanos) {

  /** Mean cost of one invocation in nanoseconds, 0 without invocations. */
  public double nanosPerRun() {
    return runCount == 0 ? 0 : (double) runTimeNanos / runCount;
  }
}
