package io.synid.handshake;

/**
 * One compiled policy decision for the kernel.
 *
 * @param sourceIdentity the connecting workload's global identity number
 * @param destinationIdentity the listening workload's global identity number
 * @param port the destination port, or 0 for every port
 * @param allow allow or deny
 */
public record VerdictRule(int sourceIdentity, int destinationIdentity, int port, boolean allow) {

  /** Validates the port. */
  public VerdictRule {
    if (port < 0 || port > 0xffff) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }
}
