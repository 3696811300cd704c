package io.synid.handshake;

/**
 * What happens to enforcement when the process that loaded the datapath dies.
 *
 * <p>Security caveat: {@link #FAIL_OPEN} means a crashed or killed agent leaves every workload
 * unauthenticated and unenforced until it restarts; {@link #FAIL_CLOSED} means a dead agent keeps
 * enforcing the last verdicts and keys it pushed, so key rotation stops too: once the epochs the
 * kernel holds expire on the peers, connections fail until the agent is back.
 */
public enum Lifetime {
  /**
   * Programs, links and maps are pinned in bpffs: the kernel keeps enforcing the last state after
   * the process exits, and a restarted loader with the same pin directory adopts the maps and
   * swaps its programs into the pinned links. {@link HandshakeDatapath#close()} leaves them in
   * place; {@link HandshakeDatapath#uninstall()} removes them.
   */
  FAIL_CLOSED,
  /**
   * Nothing is pinned: the attachments are links owned by the process, so the kernel detaches the
   * programs when the process exits for any reason, and {@link HandshakeDatapath#close()} detaches.
   */
  FAIL_OPEN
}
