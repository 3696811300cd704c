package io.synid.handshake;

import java.util.Objects;

/**
 * SipHash-2-4 with a 128-bit key and a 64-bit output, as specified by Aumasson and Bernstein
 * ("SipHash: a fast short-input PRF", 2012).
 *
 * <p>This is the reference the kernel's {@code siphash24_64} must match bit for bit: the FP1 tag is
 * the 8 output bytes in little-endian order, exactly as the reference implementation writes them.
 * Thread-safe and allocation-free.
 */
public final class SipHash24 {

  /** Key length in bytes. */
  public static final int KEY_BYTES = 16;

  private SipHash24() {}

  /**
   * Hashes {@code message} under {@code key}.
   *
   * @param key 16 bytes; k0 is bytes 0-7 and k1 bytes 8-15, each read little-endian
   * @param message any length
   * @return the 64-bit output; {@link #toBytes(long)} gives its wire form
   * @throws IllegalArgumentException if the key is not 16 bytes
   */
  public static long hash(byte[] key, byte[] message) {
    Objects.requireNonNull(message, "message");
    return hash(key, message, 0, message.length);
  }

  /** Hashes {@code length} bytes of {@code message} from {@code offset}; see {@link #hash(byte[], byte[])}. */
  public static long hash(byte[] key, byte[] message, int offset, int length) {
    Objects.requireNonNull(key, "key");
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException("SipHash key must be 16 bytes, got " + key.length);
    }
    Objects.checkFromIndexSize(offset, length, message.length);
    long k0 = littleEndian(key, 0, 8);
    long k1 = littleEndian(key, 8, 8);
    long v0 = k0 ^ 0x736f6d6570736575L;
    long v1 = k1 ^ 0x646f72616e646f6dL;
    long v2 = k0 ^ 0x6c7967656e657261L;
    long v3 = k1 ^ 0x7465646279746573L;

    int end = offset + length - (length % 8);
    for (int i = offset; i < end; i += 8) {
      long m = littleEndian(message, i, 8);
      v3 ^= m;
      for (int r = 0; r < 2; r++) {
        v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
        v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    long b = ((long) length) << 56 | littleEndian(message, end, length % 8);
    v3 ^= b;
    for (int r = 0; r < 2; r++) {
      v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
      v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
      v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
      v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
    }
    v0 ^= b;
    v2 ^= 0xff;
    for (int r = 0; r < 4; r++) {
      v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
      v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
      v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
      v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
    }
    return v0 ^ v1 ^ v2 ^ v3;
  }

  /** The 8 output bytes in the reference implementation's (little-endian) order. */
  public static byte[] toBytes(long hash) {
    byte[] out = new byte[8];
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (hash >>> (8 * i));
    }
    return out;
  }

  private static long littleEndian(byte[] b, int offset, int count) {
    long v = 0;
    for (int i = count - 1; i >= 0; i--) {
      v = (v << 8) | (b[offset + i] & 0xffL);
    }
    return v;
  }
}
