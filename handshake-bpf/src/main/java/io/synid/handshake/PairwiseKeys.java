package io.synid.handshake;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The two directional FP1 keys between this node and one peer for one epoch.
 *
 * <p>{@code K(A->B, epoch) = HKDF-SHA256(ikm = X25519(a, B), salt = epoch as 4 bytes big-endian,
 * info = "synid fp1 v1" || A || B)} with node indexes as 4 bytes big-endian, truncated to the 16
 * bytes of a SipHash key. Both nodes compute the same two keys from their own private key and the
 * other's public key; the order of A and B in {@code info} makes the keys directional, so a node
 * can never present its own outgoing tag back to the sender as the sender's.
 *
 * @param tx {@code K(local -> peer)}: signs what this node sends to the peer
 * @param rx {@code K(peer -> local)}: verifies what the peer sends to this node
 */
public record PairwiseKeys(int peerNode, int epoch, byte[] tx, byte[] rx) {

  private static final byte[] INFO_PREFIX = "synid fp1 v1".getBytes(StandardCharsets.US_ASCII);

  /** Validates the key lengths and copies them. */
  public PairwiseKeys {
    Objects.requireNonNull(tx, "tx");
    Objects.requireNonNull(rx, "rx");
    if (tx.length != SipHash24.KEY_BYTES || rx.length != SipHash24.KEY_BYTES) {
      throw new IllegalArgumentException("FP1 keys are 16 bytes");
    }
    tx = tx.clone();
    rx = rx.clone();
  }

  /** The key id FP1 carries for this epoch (the epoch's low 8 bits). */
  public int keyId() {
    return epoch & 0xff;
  }

  @Override
  public byte[] tx() {
    return tx.clone();
  }

  @Override
  public byte[] rx() {
    return rx.clone();
  }

  /**
   * Derives both directions.
   *
   * @param local this node's key pair
   * @param localNode this node's index
   * @param peerPublicKey the peer's raw X25519 public key
   * @param peerNode the peer's index
   * @param epoch the key epoch
   */
  public static PairwiseKeys derive(NodeKeyPair local, int localNode, byte[] peerPublicKey, int peerNode, int epoch) {
    byte[] shared = local.sharedSecret(peerPublicKey);
    return new PairwiseKeys(peerNode, epoch, directional(shared, localNode, peerNode, epoch),
        directional(shared, peerNode, localNode, epoch));
  }

  /** {@code K(from -> to, epoch)} from an X25519 shared secret. */
  public static byte[] directional(byte[] sharedSecret, int fromNode, int toNode, int epoch) {
    byte[] salt = ByteBuffer.allocate(4).putInt(epoch).array();
    byte[] info = ByteBuffer.allocate(INFO_PREFIX.length + 8).put(INFO_PREFIX).putInt(fromNode).putInt(toNode).array();
    return Hkdf.derive(salt, sharedSecret, info, SipHash24.KEY_BYTES);
  }

  @Override
  public String toString() {
    return "PairwiseKeys[peerNode=" + peerNode + ", epoch=" + epoch + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PairwiseKeys k && k.peerNode == peerNode && k.epoch == epoch
        && java.util.Arrays.equals(k.tx, tx) && java.util.Arrays.equals(k.rx, rx);
  }

  @Override
  public int hashCode() {
    return Objects.hash(peerNode, epoch, java.util.Arrays.hashCode(tx), java.util.Arrays.hashCode(rx));
  }
}
