package io.synid.agent.audit;

import java.nio.charset.StandardCharsets;

/**
 * One record read back from the spool: its sequence number and its JSON (one object, no line
 * break; {@code seq} inside equals {@link #seq()}), as the UTF-8 bytes stored and, decoded on
 * first use, as text.
 */
public final class SpooledRecord {
  private final long seq;
  private final byte[] utf8;
  private String json;

  /** A record as stored (the array is not copied: do not change it). */
  public SpooledRecord(long seq, byte[] utf8) {
    this.seq = seq;
    this.utf8 = utf8;
  }

  public SpooledRecord(long seq, String json) {
    this.seq = seq;
    this.utf8 = json.getBytes(StandardCharsets.UTF_8);
    this.json = json;
  }

  public long seq() {
    return seq;
  }

  /** The JSON text. */
  public String json() {
    String j = json;
    if (j == null) {
      j = new String(utf8, StandardCharsets.UTF_8);
      json = j;
    }
    return j;
  }

  /** The JSON as UTF-8, exactly as spooled; callers must not change the array. */
  public byte[] utf8() {
    return utf8;
  }

  @Override
  public String toString() {
    return "SpooledRecord[seq=" + seq + ", json=" + json() + "]";
  }
}
