package io.synid.handshake;

import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869). Used to turn an X25519 shared secret into per-epoch,
 * per-direction FP1 keys; the JDK has HMAC but no HKDF before Java 24.
 */
public final class Hkdf {

  private static final String HMAC = "HmacSHA256";
  private static final int HASH_LEN = 32;

  private Hkdf() {}

  /**
   * HKDF-Extract.
   *
   * @param salt may be empty, in which case a string of 32 zero bytes is used (RFC 5869 2.2)
   * @param ikm input keying material
   * @return the 32-byte pseudorandom key
   */
  public static byte[] extract(byte[] salt, byte[] ikm) {
    Objects.requireNonNull(ikm, "ikm");
    byte[] s = salt == null || salt.length == 0 ? new byte[HASH_LEN] : salt;
    return mac(s).doFinal(ikm);
  }

  /**
   * HKDF-Expand.
   *
   * @param prk a pseudorandom key of at least 32 bytes
   * @param info context; may be empty
   * @param length output length, 1 to 255 * 32 bytes
   * @throws IllegalArgumentException for a length out of range or a short PRK
   */
  public static byte[] expand(byte[] prk, byte[] info, int length) {
    Objects.requireNonNull(prk, "prk");
    if (prk.length < HASH_LEN) {
      throw new IllegalArgumentException("PRK must be at least 32 bytes");
    }
    if (length < 1 || length > 255 * HASH_LEN) {
      throw new IllegalArgumentException("HKDF output length out of range: " + length);
    }
    byte[] context = info == null ? new byte[0] : info;
    Mac mac = mac(prk);
    byte[] out = new byte[length];
    byte[] t = new byte[0];
    int done = 0;
    for (int i = 1; done < length; i++) {
      mac.update(t);
      mac.update(context);
      mac.update((byte) i);
      t = mac.doFinal();
      int n = Math.min(t.length, length - done);
      System.arraycopy(t, 0, out, done, n);
      done += n;
    }
    return out;
  }

  /** Extract then expand. */
  public static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
    return expand(extract(salt, ikm), info, length);
  }

  private static Mac mac(byte[] key) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      return mac;
    } catch (GeneralSecurityException e) {
      // Every Java 17 runtime ships HmacSHA256: reaching this is a broken runtime.
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
