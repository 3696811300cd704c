package io.synid.handshake;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.XECPrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.KeyAgreement;

/**
 * A node's X25519 handshake key pair (RFC 7748). The public half is registered with the server and
 * published to the other agents; the private half never leaves the agent.
 *
 * <p>Keys travel in their raw 32-byte RFC 7748 encodings (little-endian u-coordinate and scalar).
 */
public final class NodeKeyPair {

  /** Raw key length in bytes. */
  public static final int KEY_BYTES = 32;

  private final PrivateKey privateKey;
  private final byte[] publicKey;

  private NodeKeyPair(PrivateKey privateKey, byte[] publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
  }

  /** Generates a fresh key pair with the JDK's default secure random source. */
  public static NodeKeyPair generate() {
    try {
      KeyPair kp = KeyPairGenerator.getInstance("X25519").generateKeyPair();
      return new NodeKeyPair(kp.getPrivate(), encodePublic((XECPublicKey) kp.getPublic()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("X25519 unavailable", e);
    }
  }

  /**
   * Restores a key pair from its raw 32-byte private scalar.
   *
   * @throws IllegalArgumentException if the scalar is not 32 bytes
   */
  public static NodeKeyPair fromPrivateKey(byte[] scalar) {
    Objects.requireNonNull(scalar, "scalar");
    if (scalar.length != KEY_BYTES) {
      throw new IllegalArgumentException("X25519 private key must be 32 bytes, got " + scalar.length);
    }
    try {
      KeyFactory kf = KeyFactory.getInstance("X25519");
      PrivateKey priv = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar.clone()));
      // The JDK derives no public key from a private one; multiply the base point (u = 9) instead.
      byte[] base = new byte[KEY_BYTES];
      base[0] = 9;
      return new NodeKeyPair(priv, agree(priv, base));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("invalid X25519 private key", e);
    }
  }

  /** The raw 32-byte public key (a copy). */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /**
   * X25519(own private key, peer public key).
   *
   * @throws IllegalArgumentException if the peer key is not 32 bytes or is a low-order point (the
   *     JDK rejects an all-zero shared secret)
   */
  public byte[] sharedSecret(byte[] peerPublicKey) {
    Objects.requireNonNull(peerPublicKey, "peerPublicKey");
    if (peerPublicKey.length != KEY_BYTES) {
      throw new IllegalArgumentException("X25519 public key must be 32 bytes, got " + peerPublicKey.length);
    }
    try {
      return agree(privateKey, peerPublicKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("X25519 agreement failed for the peer key", e);
    }
  }

  private static byte[] agree(PrivateKey priv, byte[] peerRaw) throws GeneralSecurityException {
    PublicKey peer = KeyFactory.getInstance("X25519")
        .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, decodeU(peerRaw)));
    KeyAgreement ka = KeyAgreement.getInstance("X25519");
    ka.init(priv);
    ka.doPhase(peer, true);
    return ka.generateSecret();
  }

  private static BigInteger decodeU(byte[] raw) {
    byte[] be = new byte[KEY_BYTES];
    for (int i = 0; i < KEY_BYTES; i++) {
      be[i] = raw[KEY_BYTES - 1 - i];
    }
    be[0] &= 0x7f; // RFC 7748 5: the top bit of the last byte is masked
    return new BigInteger(1, be);
  }

  private static byte[] encodePublic(XECPublicKey key) {
    byte[] be = key.getU().toByteArray();
    byte[] out = new byte[KEY_BYTES];
    for (int i = 0; i < KEY_BYTES && i < be.length; i++) {
      out[i] = be[be.length - 1 - i];
    }
    return out;
  }

  @Override
  public String toString() {
    return "NodeKeyPair[public=" + Arrays.hashCode(publicKey) + "]";
  }
}
