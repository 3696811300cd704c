package io.synid.handshake;

import java.util.Objects;
import java.util.Optional;

/**
 * The 20-byte FP1 TCP option (RFC 6994 experimental option 254).
 *
 * <pre>
 *  0      1      2-3    4            5       6-7    8-11   12-19
 *  kind   len    ExID   ver|flags    key_id  ts16   ident  tag (SipHash-2-4, little-endian)
 *  254    20     0x5349 0x10 / 0x11
 * </pre>
 *
 * Multi-byte header fields are big-endian (network order); the tag is the SipHash output in the
 * reference implementation's little-endian byte order. The parser is meant for untrusted bytes: it
 * never reads outside the array and reports every malformation with a {@link
 * MalformedOptionException} carrying one of the message constants below.
 *
 * @param responder the R flag: set in a SYN-ACK, clear in a SYN
 * @param keyId the key epoch id (0-255)
 * @param ts16 issue time in TAI seconds mod 2^16
 * @param ident the sending workload's identity handle
 * @param tag the SipHash-2-4 output
 */
public record Fp1Option(boolean responder, int keyId, int ts16, int ident, long tag) {

  /** Option kind (RFC 6994 experimental). */
  public static final int KIND = 254;
  /** Option length in bytes. */
  public static final int LENGTH = 20;
  /** The project's RFC 6994 experiment identifier. */
  public static final int EXID = 0x5349;
  /** Protocol version carried in the high nibble of byte 4. */
  public static final int VERSION = 1;
  /** The R (responder) flag bit. */
  public static final int FLAG_RESPONDER = 0x1;

  /** Message: an option's length byte is missing or runs past the option list. */
  public static final String TRUNCATED = "truncated TCP option";
  /** Message: an option length below 2. */
  public static final String BAD_OPTION_LENGTH = "TCP option length below 2";
  /** Message: an FP1 (kind 254 with our ExID) whose length is not 20. */
  public static final String BAD_FP1_LENGTH = "FP1 option length is not 20";
  /** Message: an FP1 whose version nibble is unknown. */
  public static final String BAD_VERSION = "unsupported FP1 version";
  /** Message: an FP1 with a reserved flag set (this version emits and accepts only R). */
  public static final String BAD_FLAGS = "reserved FP1 flag set";
  /** Message: bytes that are not an FP1 option at all. */
  public static final String NOT_FP1 = "not an FP1 option";
  /** Message: a TCP option list longer than 40 bytes. */
  public static final String OPTIONS_TOO_LONG = "TCP option list longer than 40 bytes";

  /** Validates the ranges. */
  public Fp1Option {
    if (keyId < 0 || keyId > 0xff) {
      throw new IllegalArgumentException("keyId out of range: " + keyId);
    }
    if (ts16 < 0 || ts16 > 0xffff) {
      throw new IllegalArgumentException("ts16 out of range: " + ts16);
    }
  }

  /** The same option with another tag. */
  public Fp1Option withTag(long newTag) {
    return new Fp1Option(responder, keyId, ts16, ident, newTag);
  }

  /** The version/flags byte as on the wire. */
  public int versionFlags() {
    return (VERSION << 4) | (responder ? FLAG_RESPONDER : 0);
  }

  /** The 20 wire bytes. */
  public byte[] encode() {
    byte[] b = new byte[LENGTH];
    b[0] = (byte) KIND;
    b[1] = (byte) LENGTH;
    b[2] = (byte) (EXID >>> 8);
    b[3] = (byte) EXID;
    b[4] = (byte) versionFlags();
    b[5] = (byte) keyId;
    b[6] = (byte) (ts16 >>> 8);
    b[7] = (byte) ts16;
    b[8] = (byte) (ident >>> 24);
    b[9] = (byte) (ident >>> 16);
    b[10] = (byte) (ident >>> 8);
    b[11] = (byte) ident;
    System.arraycopy(SipHash24.toBytes(tag), 0, b, 12, 8);
    return b;
  }

  /**
   * Decodes one FP1 option at {@code offset}.
   *
   * @throws MalformedOptionException if the bytes are not a complete version-1 FP1 option
   */
  public static Fp1Option decode(byte[] bytes, int offset) throws MalformedOptionException {
    Objects.requireNonNull(bytes, "bytes");
    if (offset < 0 || bytes.length - offset < 4) {
      throw new MalformedOptionException(TRUNCATED);
    }
    if ((bytes[offset] & 0xff) != KIND || ((bytes[offset + 2] & 0xff) << 8 | (bytes[offset + 3] & 0xff)) != EXID) {
      throw new MalformedOptionException(NOT_FP1);
    }
    if ((bytes[offset + 1] & 0xff) != LENGTH) {
      throw new MalformedOptionException(BAD_FP1_LENGTH);
    }
    if (bytes.length - offset < LENGTH) {
      throw new MalformedOptionException(TRUNCATED);
    }
    int vf = bytes[offset + 4] & 0xff;
    if ((vf >>> 4) != VERSION) {
      throw new MalformedOptionException(BAD_VERSION);
    }
    if ((vf & 0x0f & ~FLAG_RESPONDER) != 0) {
      // The tag covers the byte, so dropping the bit here would make encode() disagree with it.
      throw new MalformedOptionException(BAD_FLAGS);
    }
    int ts16 = (bytes[offset + 6] & 0xff) << 8 | (bytes[offset + 7] & 0xff);
    int ident = (bytes[offset + 8] & 0xff) << 24 | (bytes[offset + 9] & 0xff) << 16
        | (bytes[offset + 10] & 0xff) << 8 | (bytes[offset + 11] & 0xff);
    long tag = 0;
    for (int i = 7; i >= 0; i--) {
      tag = (tag << 8) | (bytes[offset + 12 + i] & 0xffL);
    }
    return new Fp1Option((vf & FLAG_RESPONDER) != 0, bytes[offset + 5] & 0xff, ts16, ident, tag);
  }

  /**
   * Finds FP1 in a TCP option list (the bytes after the 20-byte TCP header), walking it the way
   * the kernel program does: EOL ends the list, NOP is one byte, every other option has a length.
   *
   * @return the FP1 option, or empty if the list is well formed and carries none
   * @throws MalformedOptionException if the list is malformed or the FP1 in it is
   */
  public static Optional<Fp1Option> find(byte[] options) throws MalformedOptionException {
    Objects.requireNonNull(options, "options");
    if (options.length > 40) {
      throw new MalformedOptionException(OPTIONS_TOO_LONG);
    }
    int off = 0;
    while (off < options.length) {
      int kind = options[off] & 0xff;
      if (kind == 0) {
        return Optional.empty();
      }
      if (kind == 1) {
        off++;
        continue;
      }
      if (off + 1 >= options.length) {
        throw new MalformedOptionException(TRUNCATED);
      }
      int len = options[off + 1] & 0xff;
      if (len < 2) {
        throw new MalformedOptionException(BAD_OPTION_LENGTH);
      }
      if (off + len > options.length) {
        throw new MalformedOptionException(TRUNCATED);
      }
      if (kind == KIND && len >= 4
          && ((options[off + 2] & 0xff) << 8 | (options[off + 3] & 0xff)) == EXID) {
        return Optional.of(decode(options, off));
      }
      off += len;
    }
    return Optional.empty();
  }
}
