package io.synid.agent.audit;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * A destination of spooled audit records, driven by its own worker thread (never called
 * concurrently). The worker hands it consecutive records from its cursor on and persists the
 * cursor after {@link #commit()}.
 */
public interface AuditOutput extends Closeable {
  /** A short stable name ({@code file}, {@code syslog}, {@code server}): the cursor file's name. */
  String name();

  /**
   * Where to resume, given the persisted cursor (the last sequence number this output is known
   * to have received; {@code -1} if none). An output that can read back what it holds (the JSON
   * Lines file) returns its own last sequence number, which makes redelivery after a crash
   * exact; others return {@code cursor}.
   *
   * @param lastWritten the spool's last sequence number: anything above it is not ours
   */
  default long resume(long cursor, long lastWritten) throws IOException {
    return cursor;
  }

  /**
   * Delivers {@code batch} (consecutive sequence numbers, at least one record).
   *
   * @return the last sequence number now delivered: the batch's last for complete delivery, less
   *     for partial delivery, less than the batch's first to ask for records again from the
   *     returned number plus one (the worker clamps to what the spool still holds), or more than
   *     the batch's last when the destination already had later records (the worker skips them)
   * @throws IOException when nothing could be confirmed; the worker retries with backoff
   */
  long deliver(List<SpooledRecord> batch) throws IOException;

  /** Makes everything delivered so far durable at the destination, before the cursor is saved. */
  default void commit() throws IOException {}

  /** The most records per {@link #deliver} call. */
  default int maxBatchRecords() {
    return 1000;
  }

  /** About the most payload bytes per {@link #deliver} call (at least one record is sent). */
  default long maxBatchBytes() {
    return 1L << 20;
  }

  /** Whether redelivered records are recognized by sequence number and not stored twice. */
  boolean deduplicates();
}
