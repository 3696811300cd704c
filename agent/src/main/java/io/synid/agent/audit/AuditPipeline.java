package io.synid.agent.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.synid.api.audit.AuditLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The agent's audit pipeline: records go into a durable on-disk spool ({@link AuditSpool}), then
 * to each sink ({@link AuditOutput}: JSON Lines file, syslog, server) by an independent worker
 * with its own persisted cursor.
 *
 * <p>Every record gets {@code schema} ({@value AuditLog#SCHEMA}), a {@code seq} one higher than
 * the previous record's (never reused, across restarts), {@code time}, {@code event} and the
 * agent's {@code node} (its SPIFFE ID, or {@code "unattested"} before its first attestation).
 *
 * <p><b>Guarantees</b> (docs/audit.md has the long form):
 * <ul>
 *   <li>{@link #record} returns once the record is written to the spool file (one
 *       {@code write(2)}): it survives the agent dying in any way (kill -9, crash, OOM).
 *       {@link #flush} returns once every record before it is fsynced: they survive a machine
 *       crash too. Without a flush, a machine crash loses at most the records of the last
 *       group-commit interval ({@code syncInterval}, or {@code syncBatch} records).
 *   <li>Sinks only get fsynced records. Each resumes after its cursor on restart: the server
 *       (deduplicating by {@code seq}) and the file (which reads its own last {@code seq} back)
 *       get every record exactly once; syslog gets every record at least once, repeating after
 *       a crash at most the records delivered during the last {@code cursorInterval} and after a
 *       broken connection at most those sent in the last resend window.
 *   <li>Records are never blocked by a slow or failing sink: the spool is bounded
 *       ({@code spoolMaxBytes}); beyond it the oldest segment is deleted, every sink that had not
 *       delivered it counts the loss and an {@code audit_dropped} record says how many
 *       ({@code sink}, {@code dropped}, {@code first_seq}, {@code last_seq}).
 * </ul>
 */
public final class AuditPipeline implements AuditSink, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AuditPipeline.class.getName());
  /** The {@code node} of records written before the agent's first attestation. */
  public static final String UNATTESTED = "unattested";
  private static final byte[] PREFIX = ("{\"schema\":\"" + AuditLog.SCHEMA + "\",\"seq\":")
      .getBytes(StandardCharsets.UTF_8);

  private final ObjectMapper json = AuditRecords.mapper();
  private final Clock clock;
  private final Supplier<String> node;
  private final AuditSpool spool;
  private final List<SinkWorker> workers = new ArrayList<>();
  private final Duration drainTimeout;
  private volatile boolean closed;

  /** Pipeline settings; see {@link AuditPipeline#builder(Path)}. */
  public static final class Builder {
    private final Path spoolDir;
    private long spoolMaxBytes = 256L << 20;
    private long segmentBytes;
    private Duration syncInterval = Duration.ofMillis(50);
    private int syncBatch = 4096;
    private Duration cursorInterval = Duration.ofMillis(200);
    private Duration drainTimeout = Duration.ofSeconds(5);
    private Supplier<String> node = () -> null;
    private Clock clock = Clock.systemUTC();
    private final List<AuditOutput> outputs = new ArrayList<>();

    private Builder(Path spoolDir) {
      this.spoolDir = spoolDir;
    }

    /** The spool's size bound (default 256 MiB). */
    public Builder spoolMaxBytes(long bytes) {
      this.spoolMaxBytes = bytes;
      return this;
    }

    /** Segment size (default: an eighth of the bound, between 64 KiB and 16 MiB). */
    public Builder segmentBytes(long bytes) {
      this.segmentBytes = bytes;
      return this;
    }

    /** Group commit: fsync at most this long after the first unsynced record (default 50 ms). */
    public Builder syncInterval(Duration d) {
      this.syncInterval = d;
      return this;
    }

    /** Group commit: fsync sooner once this many records are pending (default 4096). */
    public Builder syncBatch(int records) {
      this.syncBatch = records;
      return this;
    }

    /** How often a busy sink saves its cursor (default 200 ms). */
    public Builder cursorInterval(Duration d) {
      this.cursorInterval = d;
      return this;
    }

    /** How long {@link #close()} lets sinks catch up (default 5 s). */
    public Builder drainTimeout(Duration d) {
      this.drainTimeout = d;
      return this;
    }

    /** The agent's SPIFFE ID, or null before attestation. */
    public Builder node(Supplier<String> node) {
      this.node = node;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Builder output(AuditOutput output) {
      this.outputs.add(output);
      return this;
    }

    /** Recovers the spool and starts a worker per output. */
    public AuditPipeline open() throws IOException {
      return new AuditPipeline(this);
    }
  }

  /** A pipeline spooling in {@code spoolDir}. */
  public static Builder builder(Path spoolDir) {
    return new Builder(spoolDir);
  }

  private AuditPipeline(Builder b) throws IOException {
    this.clock = b.clock;
    this.node = b.node;
    this.drainTimeout = b.drainTimeout;
    Set<String> names = new HashSet<>();
    for (AuditOutput o : b.outputs) {
      if (!names.add(o.name())) {
        throw new IllegalArgumentException("two audit outputs named " + o.name());
      }
    }
    if (!Files.isDirectory(b.spoolDir)) {
      Files.createDirectories(b.spoolDir, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    }
    long[] cursors = new long[b.outputs.size()];
    long maxCursor = 0;
    for (int i = 0; i < cursors.length; i++) {
      cursors[i] = SinkWorker.loadCursor(cursorFile(b.spoolDir, b.outputs.get(i).name()));
      maxCursor = Math.max(maxCursor, cursors[i]);
    }
    long segment = b.segmentBytes > 0 ? b.segmentBytes
        : Math.max(64L << 10, Math.min(16L << 20, b.spoolMaxBytes / 8));
    spool = new AuditSpool(b.spoolDir, b.spoolMaxBytes, segment, b.syncInterval, b.syncBatch,
        maxCursor + 1);
    for (int i = 0; i < cursors.length; i++) {
      AuditOutput o = b.outputs.get(i);
      workers.add(new SinkWorker(o, spool, this, cursorFile(b.spoolDir, o.name()), cursors[i],
          b.cursorInterval));
    }
    for (SinkWorker w : workers) {
      w.start();
    }
    LOG.fine("audit pipeline: spool " + b.spoolDir + " resumes at sequence "
        + (spool.writtenSeq() + 1) + ", sinks " + names);
  }

  private static Path cursorFile(Path spoolDir, String name) {
    return spoolDir.resolve(name + ".cursor");
  }

  @Override
  public ObjectNode newRecord(String event) {
    ObjectNode record = json.createObjectNode();
    record.put("schema", AuditLog.SCHEMA);
    record.put("time", DateTimeFormatter.ISO_INSTANT.format(clock.instant()));
    record.put("event", event);
    record.put("node", nodeId());
    return record;
  }

  private String nodeId() {
    String id = null;
    try {
      id = node.get();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "node id unavailable", e);
    }
    return id == null ? UNATTESTED : id;
  }

  /**
   * Spools {@code record} with the next sequence number (set in {@code schema, seq} first;
   * {@code node} added if missing). Records over 256 KiB are shortened first (long strings cut,
   * {@code "truncated": true}).
   *
   * @throws AuditWriteException if the spool cannot be written or the pipeline is closed
   */
  @Override
  public void record(ObjectNode record) {
    append(record);
  }

  /** {@link #record} returning the sequence number the record got. */
  public long append(ObjectNode record) {
    if (closed) {
      throw new AuditWriteException("the audit pipeline is closed", null);
    }
    return spool(record);
  }

  /**
   * {@link #record} for several records, spooled with one write: all of them or, when that
   * fails, none.
   */
  @Override
  public void recordAll(List<ObjectNode> records) {
    if (records.isEmpty()) {
      return;
    }
    if (closed) {
      throw new AuditWriteException("the audit pipeline is closed", null);
    }
    List<LongFunction<byte[]>> payloads = new ArrayList<>(records.size());
    for (ObjectNode record : records) {
      byte[] body = body(record);
      payloads.add(seq -> assemble(seq, body));
    }
    try {
      spool.appendAll(payloads);
    } catch (IOException e) {
      throw new AuditWriteException("cannot spool " + records.size() + " audit records: "
          + e.getMessage(), e);
    }
  }

  private long spool(ObjectNode record) {
    byte[] body = body(record);
    try {
      return spool.append(seq -> assemble(seq, body));
    } catch (IOException e) {
      throw new AuditWriteException("cannot spool an audit record: " + e.getMessage(), e);
    }
  }

  /** The record's JSON without {@code schema} and {@code seq}, {@code node} added if missing. */
  private byte[] body(ObjectNode record) {
    record.remove("schema");
    record.remove("seq");
    if (!record.has("node")) {
      record.put("node", nodeId());
    }
    String body;
    try {
      body = json.writeValueAsString(record);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("audit record not serializable", e);
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > AuditSpool.MAX_RECORD_BYTES - 64) {
      bytes = AuditRecords.shrink(body, AuditSpool.MAX_RECORD_BYTES - 64, false)
          .getBytes(StandardCharsets.UTF_8);
    }
    return bytes;
  }

  /** {@code {"schema":"synid.audit/v1","seq":N,} + the body without its opening brace. */
  private static byte[] assemble(long seq, byte[] body) {
    byte[] digits = Long.toString(seq).getBytes(StandardCharsets.US_ASCII);
    boolean empty = body.length <= 2;
    byte[] out = new byte[PREFIX.length + digits.length + (empty ? 1 : body.length)];
    System.arraycopy(PREFIX, 0, out, 0, PREFIX.length);
    System.arraycopy(digits, 0, out, PREFIX.length, digits.length);
    int at = PREFIX.length + digits.length;
    if (empty) {
      out[at] = '}';
    } else {
      out[at] = ',';
      System.arraycopy(body, 1, out, at + 1, body.length - 1);
    }
    return out;
  }

  void recordDropped(String sink, long from, long to, long count, String reason) {
    ObjectNode r = newRecord("audit_dropped");
    r.put("sink", sink);
    r.put("dropped", count);
    r.put("first_seq", from);
    r.put("last_seq", to);
    r.put("reason", reason);
    spool(r); // also while closing: the spool stays open until the sinks stopped
  }

  /** Deletes spool segments every sink is past. */
  void releaseSpool() {
    long min = Long.MAX_VALUE;
    for (SinkWorker w : workers) {
      min = Math.min(min, w.retainAfter());
    }
    if (min != Long.MAX_VALUE && min >= 0) {
      spool.release(min);
    }
  }

  /**
   * Waits until every record recorded before the call is fsynced (survives a machine crash).
   *
   * @return false if that did not happen within {@code timeout}
   */
  public boolean flush(Duration timeout) throws InterruptedException {
    return spool.awaitDurable(spool.writtenSeq(), timeout);
  }

  /** The sequence number of the last record spooled (0 if none yet). */
  public long lastSequence() {
    return spool.writtenSeq();
  }

  /** Waits until every sink delivered through {@code seq} (or dropped it). */
  public boolean awaitDelivered(long seq, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    spool.awaitDurable(seq, timeout);
    while (true) {
      boolean all = true;
      for (SinkWorker w : workers) {
        all &= w.delivered() >= seq;
      }
      if (all) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(2);
    }
  }

  /** Each sink's progress, in configuration order. */
  public List<SinkStatus> sinks() {
    List<SinkStatus> out = new ArrayList<>();
    for (SinkWorker w : workers) {
      out.add(w.status());
    }
    return out;
  }

  /** The progress of the sink named {@code name}. */
  public SinkStatus sink(String name) {
    for (SinkWorker w : workers) {
      if (w.output.name().equals(name)) {
        return w.status();
      }
    }
    throw new IllegalArgumentException("no audit sink " + name);
  }

  /** Spool statistics: bytes, segments, records dropped by the size bound since start. */
  public record SpoolStatus(long bytes, int segments, long oldestSeq, long durableSeq,
      long droppedRecords) {}

  public SpoolStatus spool() {
    return new SpoolStatus(spool.totalBytes(), spool.segmentCount(), spool.oldestSeq(),
        spool.durableSeq(), spool.droppedRecords());
  }

  /**
   * Stops taking records, fsyncs the spool, lets the sinks deliver for up to the drain timeout,
   * saves their cursors and closes everything. What is left is delivered after the next start.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      spool.syncNow();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot fsync the audit spool", e);
    }
    for (SinkWorker w : workers) {
      w.stop(drainTimeout);
    }
    for (SinkWorker w : workers) {
      try {
        w.join(drainTimeout.plusSeconds(5));
        if (w.alive()) {
          LOG.warning("audit sink " + w.output.name() + " did not stop in time");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (SinkWorker w : workers) {
      try {
        w.output.close();
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.WARNING, "cannot close audit sink " + w.output.name(), e);
      }
    }
    try {
      spool.close();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot close the audit spool", e);
    }
  }

  /**
   * Stops everything at once as if the process were killed: no final fsync, cursors not saved,
   * outputs closed without commit. Only for crash-recovery tests.
   */
  void halt() throws InterruptedException {
    closed = true;
    for (SinkWorker w : workers) {
      w.halt();
    }
    for (SinkWorker w : workers) {
      w.join(Duration.ofSeconds(30));
    }
    for (SinkWorker w : workers) {
      try {
        w.output.close();
      } catch (IOException | RuntimeException e) {
        // as good as killed
      }
    }
    spool.halt();
  }

}
