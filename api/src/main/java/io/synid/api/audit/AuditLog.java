package io.synid.api.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.format.DateTimeFormatter;

/**
 * Appends audit records, one JSON object per line ({@code schema: synid.audit/v1}), to a file
 * created with mode 0600. Each record is written with a single {@code write} call on an
 * {@code O_APPEND} stream and flushed before {@link #record} returns, so records never interleave
 * and a crash loses at most the record being written.
 *
 * <p>Callers must not put secrets (tokens, keys) in records; see {@link AuditRecord}.
 */
public final class AuditLog implements AutoCloseable {
  public static final String SCHEMA = "synid.audit/v1";

  private final ObjectMapper json = new ObjectMapper();
  private final Clock clock;
  private final OutputStream out;

  private AuditLog(OutputStream out, Clock clock) {
    this.out = out;
    this.clock = clock;
  }

  /** Opens (creating if needed) the audit file for appending. */
  public static AuditLog open(Path file, Clock clock) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    if (!Files.exists(file)) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------")));
    }
    return new AuditLog(Files.newOutputStream(file, StandardOpenOption.APPEND,
        StandardOpenOption.WRITE), clock);
  }

  /** An audit log that drops everything (for commands that do not audit). */
  public static AuditLog discarding(Clock clock) {
    return new AuditLog(OutputStream.nullOutputStream(), clock);
  }

  /** Starts a record for {@code event} ("api", "attestation", "svid", ...). */
  public ObjectNode newRecord(String event) {
    ObjectNode node = json.createObjectNode();
    node.put("schema", SCHEMA);
    node.put("time", DateTimeFormatter.ISO_INSTANT.format(clock.instant()));
    node.put("event", event);
    return node;
  }

  /** Writes one record as a line. */
  public void record(ObjectNode record) {
    byte[] line;
    try {
      line = (json.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("audit record not serializable", e);
    }
    synchronized (this) {
      try {
        out.write(line);
        out.flush();
      } catch (IOException e) {
        throw new AuditException("cannot write audit record: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }

  /** The audit file could not be written. */
  public static final class AuditException extends RuntimeException {
    AuditException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
