package io.synid.agent.audit;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The JSON Lines audit file: one record per line, mode 0600, rotated by size.
 *
 * <p><b>Rotation.</b> Before a line would take the file over {@code maxFileBytes}, the file is
 * fsynced and renamed {@code <path>.1}, an older {@code <path>.1} becomes {@code <path>.2} and so
 * on, {@code <path>.<maxFiles>} is deleted, and a new empty file is started. A single record
 * larger than the limit gets a file of its own. If the file is moved or deleted by someone else
 * (logrotate), the next batch starts a new one at {@code path}.
 *
 * <p><b>Exactly once.</b> The file is its own cursor: on start (and after any write failure) its
 * last line's {@code seq} is read back (or {@code <path>.1}'s if the file is empty) and records
 * at or below it are skipped; a torn last line (crash in the middle of a write) is cut first and
 * written again from the spool. {@link #commit()} fsyncs, so the worker's saved cursor never
 * claims more than the disk holds.
 */
public final class JsonLinesFileOutput implements AuditOutput {
  private static final Logger LOG = Logger.getLogger(JsonLinesFileOutput.class.getName());

  private final Path path;
  private final long maxFileBytes;
  private final int maxFiles;
  private FileOutputStream file;
  private BufferedOutputStream out;
  private Object fileKey;
  private long size;
  private long lastSeq = -1;
  private boolean tailKnown;

  /**
   * @param maxFileBytes rotate before the file would exceed this
   * @param maxFiles rotated files kept ({@code path.1} .. {@code path.<maxFiles>}), at least 1
   */
  public JsonLinesFileOutput(Path path, long maxFileBytes, int maxFiles) {
    if (maxFileBytes < 1 || maxFiles < 1) {
      throw new IllegalArgumentException("maxFileBytes and maxFiles must be positive");
    }
    this.path = path.toAbsolutePath();
    this.maxFileBytes = maxFileBytes;
    this.maxFiles = maxFiles;
  }

  @Override
  public String name() {
    return "file";
  }

  @Override
  public boolean deduplicates() {
    return true;
  }

  @Override
  public long resume(long cursor, long lastWritten) throws IOException {
    open();
    if (lastSeq > lastWritten) {
      LOG.warning("audit file " + path + " ends with sequence " + lastSeq + ", beyond the spool's"
          + " last record " + lastWritten + " (was the spool removed?); appending after it");
      lastSeq = -1;
    }
    return lastSeq >= 0 ? lastSeq : cursor;
  }

  /** The last sequence number in the file (or the newest rotated one), -1 if none. */
  long lastSeq() {
    return lastSeq;
  }

  @Override
  public long deliver(List<SpooledRecord> batch) throws IOException {
    if (out == null) {
      open();
    } else {
      reopenIfReplaced();
    }
    long last = batch.get(batch.size() - 1).seq();
    try {
      for (SpooledRecord r : batch) {
        if (r.seq() <= lastSeq) {
          continue;
        }
        byte[] json = r.utf8();
        if (size > 0 && size + json.length + 1 > maxFileBytes) {
          rotate();
        }
        out.write(json);
        out.write('\n');
        size += json.length + 1;
        lastSeq = r.seq();
      }
      out.flush();
    } catch (IOException e) {
      // What reached the file is found again from its tail on the next attempt.
      closeQuietly();
      lastSeq = -1;
      throw e;
    }
    return last;
  }

  @Override
  public void commit() throws IOException {
    if (out != null) {
      out.flush();
      file.getFD().sync();
    }
  }

  private void open() throws IOException {
    Path dir = path.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    if (!tailKnown) {
      long tail = readTail(path);
      if (tail < 0) {
        tail = readTail(rotated(1));
      }
      lastSeq = Math.max(lastSeq, tail);
      tailKnown = true;
    }
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Files.createFile(path, PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------")));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // created meanwhile
      }
    }
    file = new FileOutputStream(path.toFile(), true);
    out = new BufferedOutputStream(file, 1 << 16);
    size = Files.size(path);
    fileKey = key(path);
  }

  private void reopenIfReplaced() throws IOException {
    Object now = key(path);
    if (now == null || !Objects.equals(now, fileKey)) {
      LOG.info("audit file " + path + " was moved or replaced; starting a new one");
      out.flush();
      closeQuietly();
      tailKnown = true; // keep lastSeq: what we wrote is still ours, wherever it went
      open();
    }
  }

  private static Object key(Path p) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
          .fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  private Path rotated(int i) {
    return path.resolveSibling(path.getFileName() + "." + i);
  }

  private void rotate() throws IOException {
    out.flush();
    file.getFD().sync();
    closeQuietly();
    Files.deleteIfExists(rotated(maxFiles));
    for (int i = maxFiles - 1; i >= 1; i--) {
      if (Files.exists(rotated(i), LinkOption.NOFOLLOW_LINKS)) {
        Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Files.move(path, rotated(1), StandardCopyOption.REPLACE_EXISTING);
    tailKnown = true;
    open();
  }

  /**
   * Cuts a torn last line of {@code p} and returns the {@code seq} of its last line, -1 if the
   * file is missing, empty or its last line has none.
   */
  static long readTail(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return -1;
    }
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      long length = f.length();
      if (length == 0) {
        return -1;
      }
      f.seek(length - 1);
      if (f.read() != '\n') {
        long end = lastNewline(f, length - 1);
        LOG.warning("audit file " + p + ": cut a torn last line of " + (length - end - 1)
            + " bytes (written again from the spool)");
        f.setLength(end + 1);
        length = end + 1;
        if (length == 0) {
          return -1;
        }
      }
      long start = lastNewline(f, length - 1) + 1;
      byte[] line = new byte[(int) Math.min(length - 1 - start, Integer.MAX_VALUE - 16)];
      f.seek(start);
      f.readFully(line);
      return AuditRecords.summary(line).seq();
    } catch (NoSuchFileException e) {
      return -1;
    }
  }

  /** Position of the last '\n' strictly before {@code before}, or -1. */
  private static long lastNewline(RandomAccessFile f, long before) throws IOException {
    byte[] buf = new byte[8192];
    long end = before;
    while (end > 0) {
      int n = (int) Math.min(buf.length, end);
      long start = end - n;
      f.seek(start);
      f.readFully(buf, 0, n);
      for (int i = n - 1; i >= 0; i--) {
        if (buf[i] == '\n') {
          return start + i;
        }
      }
      end = start;
    }
    return -1;
  }

  private void closeQuietly() {
    try {
      if (out != null) {
        out.close();
      }
    } catch (IOException e) {
      LOG.log(Level.FINE, "closing the audit file", e);
    }
    out = null;
    file = null;
    tailKnown = false;
  }

  @Override
  public void close() throws IOException {
    if (out != null) {
      out.flush();
      file.getFD().sync();
      out.close();
      out = null;
      file = null;
    }
  }
}
