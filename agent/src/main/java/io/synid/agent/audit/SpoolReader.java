package io.synid.agent.audit;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One sink's sequential reader over the spool. Not thread-safe; one per sink worker. Reads only
 * what the caller allows (durable records), so it never meets a frame still being written.
 */
final class SpoolReader implements Closeable {
  private final AuditSpool spool;
  private DataInputStream in;
  private long segmentFirst = -1;
  private long segmentEnd;
  private long nextSeq = -1;
  private final byte[] head = new byte[AuditSpool.FRAME_HEADER_BYTES];
  private final CRC32C crc = new CRC32C();

  /** Records are missing from {@code from} up to (not including) {@link #resumeAt}. */
  static final class GapException extends IOException {
    final long resumeAt;
    /** Deleted by the spool's size bound (rather than missing or corrupt). */
    final boolean bound;

    GapException(String message, long resumeAt, boolean bound) {
      super(message);
      this.resumeAt = resumeAt;
      this.bound = bound;
    }
  }

  SpoolReader(AuditSpool spool) {
    this.spool = spool;
  }

  /**
   * Reads consecutive records from {@code from} through at most {@code through}, up to
   * {@code maxRecords} records and about {@code maxBytes} bytes (always at least one).
   *
   * @throws GapException if records from {@code from} no longer exist (dropped or missing)
   */
  List<SpooledRecord> read(long from, long through, int maxRecords, long maxBytes)
      throws IOException {
    if (in == null || from != nextSeq) {
      position(from);
    } else if (segmentEnd == Long.MAX_VALUE) {
      segmentEnd = spool.segmentEnd(segmentFirst);
    }
    List<SpooledRecord> out = new ArrayList<>(Math.min(maxRecords, 1024));
    long bytes = 0;
    while (nextSeq <= through && out.size() < maxRecords && bytes < maxBytes) {
      if (nextSeq >= segmentEnd) {
        position(nextSeq);
      }
      byte[] payload;
      try {
        in.readFully(head);
        long seq = ((long) (head[8] & 0xff) << 56) | ((long) (head[9] & 0xff) << 48)
            | ((long) (head[10] & 0xff) << 40) | ((long) (head[11] & 0xff) << 32)
            | ((long) (head[12] & 0xff) << 24) | ((head[13] & 0xff) << 16)
            | ((head[14] & 0xff) << 8) | (head[15] & 0xff);
        int len = ((head[0] & 0xff) << 24) | ((head[1] & 0xff) << 16) | ((head[2] & 0xff) << 8)
            | (head[3] & 0xff);
        int sum = ((head[4] & 0xff) << 24) | ((head[5] & 0xff) << 16) | ((head[6] & 0xff) << 8)
            | (head[7] & 0xff);
        if (seq != nextSeq || len <= 0 || len > AuditSpool.MAX_RECORD_BYTES + 1024) {
          throw corrupt("bad frame header");
        }
        payload = new byte[len];
        in.readFully(payload);
        crc.reset();
        crc.update(head, 8, 8);
        crc.update(payload);
        if ((int) crc.getValue() != sum) {
          throw corrupt("checksum mismatch");
        }
      } catch (EOFException e) {
        if (out.isEmpty()) {
          throw corrupt("end of segment before sequence " + nextSeq);
        }
        close();
        return out;
      } catch (IOException e) {
        close();
        if (!out.isEmpty()) {
          return out; // the next read meets the problem again and reports it
        }
        throw e;
      }
      out.add(new SpooledRecord(nextSeq, payload));
      bytes += payload.length;
      nextSeq++;
    }
    return out;
  }

  /** A corrupt or short segment: skip to the next segment if there is one. */
  private IOException corrupt(String what) {
    long end = segmentEnd == Long.MAX_VALUE ? spool.segmentEnd(segmentFirst) : segmentEnd;
    String message = "audit spool segment " + segmentFirst + ": " + what + " at sequence "
        + nextSeq;
    close();
    if (end != Long.MAX_VALUE) {
      return new GapException(message + "; skipping to " + end, end, false);
    }
    return new IOException(message + " (in the active segment)");
  }

  private void position(long seq) throws IOException {
    close();
    AuditSpool.SegmentRef ref = spool.segmentContaining(seq);
    if (ref == null) {
      throw new GapException("sequence " + seq + " is no longer in the spool",
          spool.oldestSeq(), true);
    }
    DataInputStream s;
    try {
      s = new DataInputStream(new BufferedInputStream(new FileInputStream(ref.path().toFile()),
          1 << 16));
    } catch (IOException e) {
      // Deleted since we looked: the caller retries and finds the gap.
      throw new IOException("cannot open audit spool segment " + ref.path() + ": "
          + e.getMessage(), e);
    }
    in = s;
    segmentFirst = ref.first();
    segmentEnd = ref.nextFirst();
    nextSeq = ref.first();
    try {
      byte[] h = new byte[AuditSpool.SEGMENT_HEADER_BYTES];
      s.readFully(h);
      if (!Arrays.equals(Arrays.copyOf(h, 8), AuditSpool.MAGIC)) {
        throw corrupt("bad segment header");
      }
      while (nextSeq < seq) {
        s.readFully(head);
        int len = ((head[0] & 0xff) << 24) | ((head[1] & 0xff) << 16)
            | ((head[2] & 0xff) << 8) | (head[3] & 0xff);
        if (len <= 0 || len > AuditSpool.MAX_RECORD_BYTES + 1024) {
          throw corrupt("bad frame header while seeking");
        }
        s.skipNBytes(len);
        nextSeq++;
      }
    } catch (EOFException e) {
      throw corrupt("end of segment while seeking sequence " + seq);
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  @Override
  public void close() {
    if (in != null) {
      try {
        in.close();
      } catch (IOException e) {
        // read-only stream
      }
      in = null;
    }
    nextSeq = -1;
  }
}
