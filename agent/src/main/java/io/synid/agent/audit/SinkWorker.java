package io.synid.agent.audit;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Delivers the spool to one {@link AuditOutput} from that output's cursor on, on its own thread,
 * independently of the other sinks.
 *
 * <p>The cursor (the last sequence number delivered) lives in {@code <spool>/<name>.cursor},
 * replaced atomically after {@link AuditOutput#commit()}: at most every {@code cursorInterval}
 * (and within about that long once the sink is idle), at once after a drop, and on close. After a
 * restart the worker resumes after the saved cursor (or where the output says it is, for the
 * file), so a crash makes it redeliver at most the records delivered since the last save.
 */
final class SinkWorker {
  private static final Logger LOG = Logger.getLogger(SinkWorker.class.getName());
  static final long MIN_BACKOFF_MS = 100;
  static final long MAX_BACKOFF_MS = 30_000;
  /** A run of losses is announced once the sink delivers again, or after this long. */
  private static final long ANNOUNCE_NANOS = TimeUnit.SECONDS.toNanos(5);

  final AuditOutput output;
  private final AuditSpool spool;
  private final AuditPipeline pipeline;
  private final Path cursorFile;
  private final long cursorIntervalNanos;
  private final SpoolReader reader;
  private final Thread thread;
  private final Object sleeper = new Object();
  private final long loadedCursor;

  private volatile long delivered;
  private volatile long persisted;
  private volatile long dropped;
  private volatile long failures;
  private volatile long batches;
  private volatile String lastError;
  private volatile boolean stopping;
  private volatile boolean halted;
  private volatile long drainDeadline;
  private long lastPersistNanos;
  /** Records lost but not yet announced: one audit_dropped record per run of losses. */
  private long pendingFrom = -1;
  private long pendingTo;
  private long pendingSince;
  private String pendingReason;
  private boolean warnedAhead;
  private long backoffMs = MIN_BACKOFF_MS;
  private int streak;
  private String lastLogged;

  SinkWorker(AuditOutput output, AuditSpool spool, AuditPipeline pipeline, Path cursorFile,
      long loadedCursor, Duration cursorInterval) {
    this.output = output;
    this.spool = spool;
    this.pipeline = pipeline;
    this.cursorFile = cursorFile;
    this.loadedCursor = loadedCursor;
    this.cursorIntervalNanos = cursorInterval.toNanos();
    this.reader = new SpoolReader(spool);
    this.persisted = loadedCursor;
    this.thread = new Thread(this::run, "audit-sink-" + output.name());
    this.thread.setDaemon(true);
  }

  /** The cursor saved in {@code file}, or -1 if there is none (or it is unreadable). */
  static long loadCursor(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
      long v = Long.parseLong(text);
      if (v < 0) {
        throw new NumberFormatException("negative");
      }
      return v;
    } catch (NoSuchFileException e) {
      return -1;
    } catch (IOException | NumberFormatException e) {
      LOG.warning("audit sink cursor " + file + " is unreadable (" + e.getMessage()
          + "); the sink starts again at the oldest spooled record");
      return -1;
    }
  }

  void start() {
    long base = loadedCursor < 0 ? spool.oldestSeq() - 1 : loadedCursor;
    long resumed = base;
    try {
      resumed = output.resume(base, spool.writtenSeq());
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "audit sink " + output.name() + ": " + e.getMessage(), e);
    }
    delivered = Math.min(resumed, spool.writtenSeq());
    thread.start();
  }

  private void run() {
    try {
      loop();
    } catch (RuntimeException | Error e) {
      LOG.log(Level.SEVERE, "audit sink " + output.name() + " stopped unexpectedly", e);
      lastError = String.valueOf(e);
      throw e;
    } finally {
      reader.close();
      if (!halted) {
        announceDrops();
        persist(true);
      }
    }
  }

  private void loop() {
    while (!halted) {
      // Closing: deliver what is durable, unless the sink is failing (it must not hold up the
      // agent's shutdown; the spool keeps the rest for the next start) or time is up.
      if (stopping && (delivered >= spool.durableSeq() || streak > 0
          || System.nanoTime() > drainDeadline)) {
        return;
      }
      long oldest = spool.oldestSeq();
      if (delivered + 1 < oldest) {
        drop(delivered + 1, oldest - 1, "spool_full");
      }
      if (pendingFrom >= 0 && (delivered > pendingTo
          || System.nanoTime() - pendingSince > ANNOUNCE_NANOS)) {
        announceDrops();
      }
      long limit = spool.durableSeq();
      if (delivered >= limit) {
        persist(false);
        if (stopping) {
          continue; // the check above decides, with a fresh durable sequence number
        }
        try {
          spool.waitDurable(delivered + 1, Duration.ofMillis(200));
        } catch (InterruptedException e) {
          // not used to stop us
        }
        continue;
      }
      List<SpooledRecord> batch;
      try {
        batch = reader.read(delivered + 1, limit, output.maxBatchRecords(),
            output.maxBatchBytes());
      } catch (SpoolReader.GapException g) {
        if (g.resumeAt - 1 > delivered) {
          if (!g.bound) {
            LOG.warning("audit sink " + output.name() + ": " + g.getMessage());
          }
          drop(delivered + 1, g.resumeAt - 1, g.bound ? "spool_full" : "missing_from_spool");
        }
        continue;
      } catch (IOException e) {
        failed(e);
        continue;
      }
      long result;
      try {
        result = output.deliver(batch);
      } catch (IOException | RuntimeException e) {
        failed(e);
        continue;
      }
      batches++;
      long first = batch.get(0).seq();
      long last = batch.get(batch.size() - 1).seq();
      if (result > last) {
        // The destination already holds more (redelivery after a restart): skip ahead, unless
        // it claims numbers this spool never wrote.
        long written = spool.writtenSeq();
        if (result > written && !warnedAhead) {
          warnedAhead = true;
          LOG.warning("audit sink " + output.name() + " confirms sequence " + result
              + ", beyond the last record spooled (" + written + "): it holds records of an"
              + " earlier spool of this node");
        }
        delivered = result <= written ? result : last;
        recovered();
      } else if (result >= first) {
        delivered = result;
        recovered();
      } else {
        // No progress (result == first - 1) or a request to send earlier records again.
        long target = Math.max(result, spool.oldestSeq() - 1);
        if (target < delivered) {
          LOG.info("audit sink " + output.name() + ": sending again from sequence "
              + (target + 1));
          delivered = target;
        }
        failed(new IOException(output.name() + " confirmed only up to sequence " + result
            + " of a batch starting at " + first));
      }
      persist(false);
    }
  }

  private void drop(long from, long to, String reason) {
    delivered = to;
    dropped += to - from + 1;
    if (pendingFrom >= 0 && (pendingTo + 1 != from || !reason.equals(pendingReason))) {
      announceDrops();
    }
    if (pendingFrom < 0) {
      pendingFrom = from;
      pendingSince = System.nanoTime();
      pendingReason = reason;
    }
    pendingTo = to;
  }

  /**
   * Writes the audit_dropped record for the pending run of losses, then saves the cursor. Until
   * then the saved cursor stays before the run, so a crash makes the next start find (and
   * announce) the loss again.
   */
  private void announceDrops() {
    if (pendingFrom < 0) {
      return;
    }
    long n = pendingTo - pendingFrom + 1;
    LOG.warning("audit sink " + output.name() + " lost " + n + " records (" + pendingFrom + ".."
        + pendingTo + "): " + (pendingReason.equals("spool_full")
            ? "the spool reached its size limit before the sink delivered them"
            : "they are missing from the spool"));
    try {
      pipeline.recordDropped(output.name(), pendingFrom, pendingTo, n, pendingReason);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cannot write the audit_dropped record", e);
    }
    pendingFrom = -1;
    persist(true);
  }

  private void failed(Exception e) {
    failures++;
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    lastError = message;
    if (streak == 0 || !message.equals(lastLogged)) {
      LOG.warning("audit sink " + output.name() + ": " + message + "; retrying in " + backoffMs
          + " ms");
      lastLogged = message;
    }
    streak++;
    sleep(backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  }

  private void recovered() {
    if (streak > 0) {
      LOG.info("audit sink " + output.name() + " delivering again after " + streak
          + " failed attempts");
      streak = 0;
      lastLogged = null;
    }
    backoffMs = MIN_BACKOFF_MS;
  }

  private void sleep(long ms) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    synchronized (sleeper) {
      while (!stopping && !halted) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(sleeper, left);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** Commits the output and saves the cursor, if it moved (and the interval passed). */
  private void persist(boolean now) {
    long d = pendingFrom >= 0 ? Math.min(delivered, pendingFrom - 1) : delivered;
    if (d == persisted) {
      return;
    }
    long t = System.nanoTime();
    if (!now && t - lastPersistNanos < cursorIntervalNanos) {
      return;
    }
    try {
      output.commit();
      Path tmp = cursorFile.resolveSibling(cursorFile.getFileName() + ".tmp");
      try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
        out.write((d + "\n").getBytes(StandardCharsets.US_ASCII));
        out.getFD().sync();
      }
      Files.move(tmp, cursorFile, StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      persisted = d;
      lastPersistNanos = t;
      pipeline.releaseSpool();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "audit sink " + output.name() + ": cannot save its cursor", e);
    }
  }

  /** The lowest sequence number this sink may still need: its spool records above it stay. */
  long retainAfter() {
    return Math.min(delivered, persisted);
  }

  long delivered() {
    return delivered;
  }

  SinkStatus status() {
    return new SinkStatus(output.name(), delivered, persisted, dropped, failures, lastError);
  }

  /** Asks the worker to deliver what is durable (until {@code drain} passes) and stop. */
  void stop(Duration drain) {
    drainDeadline = System.nanoTime() + drain.toNanos();
    stopping = true;
    wake();
  }

  /** Stops at once without saving the cursor, as a killed process would. */
  void halt() {
    halted = true;
    stopping = true;
    wake();
  }

  private void wake() {
    synchronized (sleeper) {
      sleeper.notifyAll();
    }
    spool.wakeWaiters();
  }

  void join(Duration timeout) throws InterruptedException {
    thread.join(Math.max(1, timeout.toMillis()));
  }

  boolean alive() {
    return thread.isAlive();
  }
}
