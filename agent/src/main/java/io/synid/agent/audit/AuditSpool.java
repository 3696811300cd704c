package io.synid.agent.audit;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The durable, append-only spool of audit records in one directory.
 *
 * <p><b>Layout.</b> Segment files {@code <first-seq, 20 digits>.seg}: a 16-byte header (the
 * ASCII magic {@code SYNAUD01}, then the first sequence number, big-endian) followed by frames
 * {@code [u32 payload length][u32 CRC32C of (seq, payload)][u64 seq][payload: UTF-8 JSON]}.
 * Sequence numbers are consecutive across segments; a segment's name is the sequence number of
 * its first record, so the newest (active) segment, even empty, tells where numbering resumes.
 * The active segment is never deleted. A segment is rolled (fsynced, closed, a new one created
 * and the directory fsynced) once it reaches the segment size.
 *
 * <p><b>Durability.</b> {@link #append} writes the frame with one {@code write(2)} before it
 * returns: the record survives the agent process dying at any point (kill -9, JVM crash), since
 * the kernel holds the data. A group-commit thread fsyncs the active segment at most
 * {@code syncInterval} after the first unsynced record (sooner once {@code syncBatch} records are
 * pending or on {@link #awaitDurable(long, Duration)}); only then is a record <em>durable</em>
 * ({@link #durableSeq()}) and only durable records are handed to sinks. A machine crash (power
 * loss, kernel panic) can lose the records appended since the last fsync, never a durable one,
 * and since no sink ever saw those records, sequence numbers stay consistent with every sink.
 *
 * <p><b>Recovery.</b> On open, the newest segment is scanned and cut at the first frame that is
 * torn or fails its checksum (a crash during a write), then fsynced; numbering continues after
 * the last good record, or at {@code minNextSeq} if that is higher.
 *
 * <p><b>Bound.</b> When rolling would take the spool over {@code maxBytes}, the oldest segments
 * are deleted whether or not every sink has read them; sinks notice that their next record is
 * gone ({@link #oldestSeq()}) and account for the loss. Appending therefore never waits for a
 * sink.
 *
 * <p>One process at a time: the directory is locked ({@code spool.lock}).
 */
final class AuditSpool implements Closeable {
  private static final Logger LOG = Logger.getLogger(AuditSpool.class.getName());
  static final byte[] MAGIC = "SYNAUD01".getBytes(StandardCharsets.US_ASCII);
  static final int SEGMENT_HEADER_BYTES = 16;
  static final int FRAME_HEADER_BYTES = 16;
  /** The largest record payload; the pipeline shrinks bigger records before appending. */
  static final int MAX_RECORD_BYTES = 256 * 1024;
  private static final Pattern SEGMENT = Pattern.compile("(\\d{20})\\.seg");

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;
  private final long syncIntervalNanos;
  private final int syncBatch;
  private final FileChannel lockChannel;
  private final FileLock fileLock;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition syncWanted = lock.newCondition();
  /** First sequence number -> segment; the last entry is the active segment. Guarded by lock. */
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private RandomAccessFile active;
  private long nextSeq;
  private long totalBytes;
  private int unsynced;
  private boolean syncRequested;
  private boolean failed;
  private long droppedRecords;
  private long droppedSinceLog;
  private long lastDropLogNanos;
  private volatile long writtenSeq;
  private volatile long oldestSeq;

  private final Object durableMonitor = new Object();
  private volatile long durableSeq;
  private volatile boolean closed;
  private final Thread syncThread;

  private static final class Segment {
    final long first;
    final Path path;
    long size;

    Segment(long first, Path path, long size) {
      this.first = first;
      this.path = path;
      this.size = size;
    }
  }

  /** Where a sequence number lives: its segment file and the first number of the next one. */
  record SegmentRef(long first, Path path, long nextFirst) {}

  /**
   * Opens (creating or recovering) the spool in {@code dir}.
   *
   * @param minNextSeq the lowest sequence number the next record may get (one past every
   *     sequence number any sink has seen)
   */
  AuditSpool(Path dir, long maxBytes, long segmentBytes, Duration syncInterval, int syncBatch,
      long minNextSeq) throws IOException {
    if (segmentBytes < 4096 || maxBytes < 2 * segmentBytes) {
      throw new IllegalArgumentException("spool of " + maxBytes + " bytes with segments of "
          + segmentBytes + " bytes: need segments of at least 4096 bytes and room for two");
    }
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
    this.syncIntervalNanos = syncInterval.toNanos();
    this.syncBatch = syncBatch;
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    }
    lockChannel = FileChannel.open(dir.resolve("spool.lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = lockChannel.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      l = null; // held by this process
    } catch (IOException | RuntimeException e) {
      lockChannel.close();
      throw e;
    }
    if (l == null) {
      lockChannel.close();
      throw new IOException("the audit spool " + dir + " is in use by another process");
    }
    fileLock = l;
    try {
      recover(Math.max(1, minNextSeq));
    } catch (IOException | RuntimeException e) {
      releaseLock();
      throw e;
    }
    syncThread = new Thread(this::syncLoop, "audit-spool-sync");
    syncThread.setDaemon(true);
    syncThread.start();
  }

  private void recover(long minNextSeq) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        Matcher m = SEGMENT.matcher(name);
        if (m.matches()) {
          segments.put(Long.parseLong(m.group(1)), new Segment(Long.parseLong(m.group(1)), f,
              Files.size(f)));
        } else if (name.endsWith(".tmp")) {
          Files.deleteIfExists(f);
        }
      }
    }
    // Older segments were fsynced when rolled; check their headers only.
    for (Segment s : segments.values().toArray(Segment[]::new)) {
      if (s != segments.lastEntry().getValue() && !headerOk(s)) {
        Path aside = s.path.resolveSibling(s.path.getFileName() + ".corrupt");
        LOG.severe("audit spool segment " + s.path + " has a bad header; moved to " + aside);
        Files.move(s.path, aside, StandardCopyOption.REPLACE_EXISTING);
        segments.remove(s.first);
      }
    }
    long next = minNextSeq;
    Segment resume = null;
    if (!segments.isEmpty()) {
      Segment last = segments.lastEntry().getValue();
      long lastSeq = scanAndRepair(last);
      if (lastSeq + 1 >= next) {
        next = lastSeq + 1;
        resume = last;
      } else if (lastSeq < last.first) {
        // An empty segment named below where numbering must resume: replace it.
        Files.delete(last.path);
        segments.remove(last.first);
      } else {
        // Sinks have seen higher numbers than the spool holds (its tail was removed): the
        // missing numbers are never reused; readers skip them as a gap.
        LOG.warning("audit spool " + dir + " ends at sequence " + lastSeq + " but sinks have"
            + " seen up to " + (next - 1) + "; continuing at " + next);
      }
    }
    nextSeq = next;
    writtenSeq = next - 1;
    durableSeq = next - 1;
    totalBytes = segments.values().stream().mapToLong(s -> s.size).sum();
    if (resume == null) {
      createSegment(next);
    } else {
      active = new RandomAccessFile(resume.path.toFile(), "rw");
      active.seek(resume.size);
      active.getFD().sync();
    }
    oldestSeq = segments.firstKey();
  }

  private static boolean headerOk(Segment s) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(s.path.toFile(), "r")) {
      if (f.length() < SEGMENT_HEADER_BYTES) {
        return false;
      }
      byte[] h = new byte[SEGMENT_HEADER_BYTES];
      f.readFully(h);
      return Arrays.equals(Arrays.copyOf(h, 8), MAGIC)
          && ByteBuffer.wrap(h, 8, 8).getLong() == s.first;
    }
  }

  /**
   * Scans the newest segment, cuts a torn or corrupt tail, and returns its last sequence number
   * ({@code first - 1} if it holds none).
   */
  private long scanAndRepair(Segment s) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(s.path.toFile(), "rw")) {
      long length = f.length();
      if (length < SEGMENT_HEADER_BYTES || !headerOk(s)) {
        LOG.warning("audit spool segment " + s.path + " has no valid header (crash while it"
            + " was created); rewriting it empty");
        f.setLength(0);
        f.write(header(s.first));
        f.getFD().sync();
        s.size = SEGMENT_HEADER_BYTES;
        return s.first - 1;
      }
      long pos = SEGMENT_HEADER_BYTES;
      long expected = s.first;
      byte[] head = new byte[FRAME_HEADER_BYTES];
      CRC32C crc = new CRC32C();
      f.seek(pos);
      while (pos + FRAME_HEADER_BYTES <= length) {
        f.readFully(head);
        ByteBuffer b = ByteBuffer.wrap(head);
        int len = b.getInt();
        int sum = b.getInt();
        long seq = b.getLong();
        if (len <= 0 || len > MAX_RECORD_BYTES + 1024 || seq != expected
            || pos + FRAME_HEADER_BYTES + len > length) {
          break;
        }
        byte[] payload = new byte[len];
        f.readFully(payload);
        crc.reset();
        crc.update(head, 8, 8);
        crc.update(payload);
        if ((int) crc.getValue() != sum) {
          break;
        }
        pos += FRAME_HEADER_BYTES + len;
        expected++;
      }
      if (pos < length) {
        LOG.warning("audit spool segment " + s.path + ": cut " + (length - pos)
            + " bytes of a torn or corrupt tail after sequence " + (expected - 1)
            + " (a crash while writing; those records were never acknowledged as durable)");
        f.setLength(pos);
        f.getFD().sync();
      }
      s.size = pos;
      return expected - 1;
    }
  }

  private static byte[] header(long first) {
    return ByteBuffer.allocate(SEGMENT_HEADER_BYTES).put(MAGIC).putLong(first).array();
  }

  /** Creates the segment for {@code first} and makes it the active one. Caller holds lock. */
  private void createSegment(long first) throws IOException {
    Path path = dir.resolve(String.format("%020d.seg", first));
    Path tmp = dir.resolve(String.format("%020d.seg.tmp", first));
    try (RandomAccessFile f = new RandomAccessFile(tmp.toFile(), "rw")) {
      f.setLength(0);
      f.write(header(first));
      f.getFD().sync();
    }
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not POSIX: leave the default mode
    }
    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory();
    RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw");
    f.seek(SEGMENT_HEADER_BYTES);
    active = f;
    segments.put(first, new Segment(first, path, SEGMENT_HEADER_BYTES));
    totalBytes += SEGMENT_HEADER_BYTES;
  }

  private void syncDirectory() {
    // FileChannel is interruptible: an interrupted producer thread must not fail the roll.
    boolean interrupted = Thread.interrupted();
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      LOG.log(Level.FINE, "cannot fsync the audit spool directory " + dir, e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Appends one record: {@code payload} gets the record's sequence number and returns its
   * UTF-8 JSON (at most {@link #MAX_RECORD_BYTES}). Returns the sequence number once the frame
   * is written (in the kernel; durable after the next group commit).
   *
   * @throws IOException if the frame cannot be written (nothing is appended then)
   */
  long append(LongFunction<byte[]> payload) throws IOException {
    return appendAll(List.of(payload));
  }

  /**
   * Appends records with consecutive sequence numbers, their frames in one {@code write(2)}:
   * each payload as in {@link #append}. Returns the last record's sequence number.
   *
   * @throws IOException if the frames cannot be written (none of them is appended then)
   */
  long appendAll(List<LongFunction<byte[]>> payloads) throws IOException {
    if (payloads.isEmpty()) {
      throw new IllegalArgumentException("no records to append");
    }
    lock.lock();
    try {
      if (closed) {
        throw new IOException("the audit spool is closed");
      }
      if (failed) {
        rollAfterFailure();
      }
      long first = nextSeq;
      byte[] written;
      if (payloads.size() == 1) {
        written = frame(first, payloads.get(0).apply(first));
      } else {
        byte[][] frames = new byte[payloads.size()][];
        int total = 0;
        for (int i = 0; i < frames.length; i++) {
          frames[i] = frame(first + i, payloads.get(i).apply(first + i));
          total += frames[i].length;
        }
        written = new byte[total];
        int at = 0;
        for (byte[] frame : frames) {
          System.arraycopy(frame, 0, written, at, frame.length);
          at += frame.length;
        }
      }
      Segment seg = segments.lastEntry().getValue();
      try {
        active.write(written);
      } catch (IOException e) {
        failed = true;
        throw e;
      }
      long last = first + payloads.size() - 1;
      seg.size += written.length;
      totalBytes += written.length;
      nextSeq = last + 1;
      writtenSeq = last;
      int before = unsynced;
      unsynced += payloads.size();
      if (before == 0 || unsynced >= syncBatch) {
        syncWanted.signal(); // the first starts the group-commit clock, a full batch ends it
      }
      if (seg.size >= segmentBytes) {
        try {
          roll();
        } catch (IOException e) {
          LOG.log(Level.WARNING, "cannot roll the audit spool segment; retrying with the next"
              + " record", e);
          failed = true;
        }
      }
      return last;
    } finally {
      lock.unlock();
    }
  }

  /** {@code [u32 length][u32 CRC32C of seq and body][u64 seq][body]}. */
  private static byte[] frame(long seq, byte[] body) {
    if (body.length == 0 || body.length > MAX_RECORD_BYTES) {
      throw new IllegalArgumentException("record of " + body.length + " bytes");
    }
    byte[] frame = new byte[FRAME_HEADER_BYTES + body.length];
    ByteBuffer b = ByteBuffer.wrap(frame);
    b.putInt(body.length).putInt(0).putLong(seq).put(body);
    CRC32C crc = new CRC32C();
    crc.update(frame, 8, 8 + body.length);
    b.putInt(4, (int) crc.getValue());
    return frame;
  }

  /** After a failed write or roll: cut a possibly partial frame and start a fresh segment. */
  private void rollAfterFailure() throws IOException {
    Segment seg = segments.lastEntry().getValue();
    if (active != null) {
      try {
        active.setLength(seg.size);
        active.seek(seg.size);
      } catch (IOException e) {
        LOG.log(Level.FINE, "cannot cut the audit spool segment after a failed write", e);
      }
    }
    roll();
    failed = false;
  }

  /** Caller holds lock: fsyncs and closes the active segment, frees room, starts a new one. */
  private void roll() throws IOException {
    if (active != null) {
      active.getFD().sync();
      markDurable(writtenSeq);
      unsynced = 0;
      active.close();
      active = null;
    }
    Segment newest = segments.lastEntry().getValue();
    if (newest.size == SEGMENT_HEADER_BYTES && newest.first == nextSeq) {
      // Nothing was written to it: reuse it.
      active = new RandomAccessFile(newest.path.toFile(), "rw");
      active.seek(newest.size);
      return;
    }
    while (!segments.isEmpty() && totalBytes + segmentBytes > maxBytes) {
      Map.Entry<Long, Segment> oldest = segments.pollFirstEntry();
      long end = segments.isEmpty() ? nextSeq : segments.firstKey();
      droppedRecords += end - oldest.getKey();
      droppedSinceLog += end - oldest.getKey();
      totalBytes -= oldest.getValue().size;
      deleteQuietly(oldest.getValue().path);
      long now = System.nanoTime();
      if (lastDropLogNanos == 0 || now - lastDropLogNanos > TimeUnit.SECONDS.toNanos(10)) {
        LOG.warning("audit spool at its bound of " + maxBytes + " bytes: deleting the oldest"
            + " records before every sink delivered them (" + droppedSinceLog + " up to sequence "
            + (end - 1) + "; reported again at most every 10 s; each sink announces its own"
            + " losses with audit_dropped)");
        lastDropLogNanos = now;
        droppedSinceLog = 0;
      }
    }
    createSegment(nextSeq);
    oldestSeq = segments.firstKey();
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot delete audit spool segment " + p, e);
    }
  }

  private void syncLoop() {
    while (true) {
      RandomAccessFile file;
      long target;
      lock.lock();
      try {
        while (!closed && unsynced == 0) {
          syncWanted.awaitUninterruptibly();
        }
        if (closed) {
          return;
        }
        long deadline = System.nanoTime() + syncIntervalNanos;
        while (!closed && !syncRequested && unsynced < syncBatch) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          try {
            syncWanted.awaitNanos(left);
          } catch (InterruptedException e) {
            // ours: never interrupted on purpose
          }
        }
        if (closed) {
          return;
        }
        if (unsynced == 0) {
          continue; // a roll synced everything meanwhile
        }
        file = active;
        target = writtenSeq;
        unsynced = 0;
        syncRequested = false;
      } finally {
        lock.unlock();
      }
      try {
        file.getFD().sync();
        markDurable(target);
      } catch (IOException e) {
        lock.lock();
        try {
          if (file == active) {
            LOG.log(Level.SEVERE, "cannot fsync the audit spool; records stay undelivered until"
                + " it works", e);
            unsynced = Math.max(unsynced, 1);
          }
        } finally {
          lock.unlock();
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }
  }

  private void markDurable(long seq) {
    synchronized (durableMonitor) {
      if (seq > durableSeq) {
        durableSeq = seq;
        durableMonitor.notifyAll();
      }
    }
  }

  /** The last sequence number written (survives a process crash). */
  long writtenSeq() {
    return writtenSeq;
  }

  /** The last sequence number fsynced (survives a machine crash); sinks read up to here. */
  long durableSeq() {
    return durableSeq;
  }

  /** The sequence number of the oldest record still in the spool (or the next one if none). */
  long oldestSeq() {
    return oldestSeq;
  }

  /** Records deleted by the size bound since open. */
  long droppedRecords() {
    lock.lock();
    try {
      return droppedRecords;
    } finally {
      lock.unlock();
    }
  }

  /** Bytes in segment files. */
  long totalBytes() {
    lock.lock();
    try {
      return totalBytes;
    } finally {
      lock.unlock();
    }
  }

  /** Number of segment files. */
  int segmentCount() {
    lock.lock();
    try {
      return segments.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Blocks until every record written before the call is durable.
   *
   * @return false if {@code timeout} passed first or the spool closed
   */
  boolean awaitDurable(long seq, Duration timeout) throws InterruptedException {
    if (durableSeq >= seq) {
      return true;
    }
    lock.lock();
    try {
      syncRequested = true;
      syncWanted.signal();
    } finally {
      lock.unlock();
    }
    return waitDurable(seq, timeout);
  }

  /** Waits (without asking for a sync) until {@code seq} is durable. */
  boolean waitDurable(long seq, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (durableMonitor) {
      while (durableSeq < seq && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(durableMonitor, left);
      }
      return durableSeq >= seq;
    }
  }

  /** Wakes every thread waiting in {@link #waitDurable}. */
  void wakeWaiters() {
    synchronized (durableMonitor) {
      durableMonitor.notifyAll();
    }
  }

  /** The segment holding {@code seq}, or null if it is older than the oldest segment. */
  SegmentRef segmentContaining(long seq) {
    lock.lock();
    try {
      Map.Entry<Long, Segment> e = segments.floorEntry(seq);
      if (e == null) {
        return null;
      }
      Long next = segments.higherKey(e.getKey());
      return new SegmentRef(e.getKey(), e.getValue().path, next == null ? Long.MAX_VALUE : next);
    } finally {
      lock.unlock();
    }
  }

  /** The first sequence number after segment {@code first}, or MAX_VALUE for the active one. */
  long segmentEnd(long first) {
    lock.lock();
    try {
      Long next = segments.higherKey(first);
      return next == null ? Long.MAX_VALUE : next;
    } finally {
      lock.unlock();
    }
  }

  /** Deletes every non-active segment whose records are all at or below {@code throughSeq}. */
  void release(long throughSeq) {
    lock.lock();
    try {
      while (segments.size() > 1) {
        Map.Entry<Long, Segment> first = segments.firstEntry();
        long end = segments.higherKey(first.getKey());
        if (end - 1 > throughSeq) {
          break;
        }
        segments.pollFirstEntry();
        totalBytes -= first.getValue().size;
        deleteQuietly(first.getValue().path);
      }
      oldestSeq = segments.firstKey();
    } finally {
      lock.unlock();
    }
  }

  /** Fsyncs what was written; used on close. */
  void syncNow() throws IOException {
    lock.lock();
    try {
      if (active != null && !closed) {
        long target = writtenSeq;
        active.getFD().sync();
        unsynced = 0;
        markDurable(target);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Closes after a final fsync. */
  @Override
  public void close() throws IOException {
    try {
      syncNow();
    } finally {
      shutdown();
    }
  }

  /**
   * Stops without the final fsync, as a killed process would (the kernel still has every
   * written record). For tests of crash recovery.
   */
  void halt() {
    shutdown();
  }

  private void shutdown() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      syncWanted.signalAll();
    } finally {
      lock.unlock();
    }
    wakeWaiters();
    try {
      syncThread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    lock.lock();
    try {
      if (active != null) {
        active.close();
        active = null;
      }
    } catch (IOException e) {
      LOG.log(Level.FINE, "closing the audit spool segment", e);
    } finally {
      lock.unlock();
    }
    releaseLock();
  }

  private void releaseLock() {
    try {
      fileLock.release();
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, "releasing the audit spool lock", e);
    }
    try {
      lockChannel.close();
    } catch (IOException e) {
      LOG.log(Level.FINE, "closing the audit spool lock", e);
    }
  }

  Path dir() {
    return dir;
  }
}
