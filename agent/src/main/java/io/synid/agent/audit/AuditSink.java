package io.synid.agent.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.synid.api.audit.AuditLog;
import java.util.List;

/**
 * Where the agent's components write audit records: start a record with {@link #newRecord},
 * add fields, hand it to {@link #record}. The same two calls as {@link AuditLog}, so call sites
 * do not care whether records go to a plain file or through the {@link AuditPipeline}.
 *
 * <p>Callers must not put secrets (keys, tokens) in records.
 */
public interface AuditSink {
  /** Starts a record for {@code event} with {@code schema}, {@code time} and {@code event} set. */
  ObjectNode newRecord(String event);

  /**
   * Writes a record.
   *
   * @throws AuditWriteException if the record cannot be stored
   */
  void record(ObjectNode record);

  /**
   * Writes several records, in order. The {@link AuditPipeline} stores them with one write, all
   * or none; the default writes them one by one. An empty list writes nothing.
   *
   * @throws AuditWriteException if the records cannot be stored
   */
  default void recordAll(List<ObjectNode> records) {
    for (ObjectNode record : records) {
      record(record);
    }
  }

  /** Writes through a plain {@link AuditLog} (no sequence numbers, no spool). */
  static AuditSink of(AuditLog log) {
    return new AuditSink() {
      @Override
      public ObjectNode newRecord(String event) {
        return log.newRecord(event);
      }

      @Override
      public void record(ObjectNode record) {
        try {
          log.record(record);
        } catch (AuditLog.AuditException e) {
          throw new AuditWriteException(e.getMessage(), e);
        }
      }
    };
  }
}
