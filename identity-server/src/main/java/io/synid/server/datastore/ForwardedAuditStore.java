package io.synid.server.datastore;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Audit records that agents forward, stored once per (agent ID, agent sequence number).
 *
 * <p>Contract: {@link #forward} stores the records it has not stored before and returns the
 * highest sequence number through which every record of the agent is stored. The first records
 * ever received from an agent set where that contiguous run starts (an agent's log may have
 * rotated away older records before forwarding began); after that, a gap holds the
 * acknowledgement back until the missing records arrive. A re-sent record must be the same text:
 * a different record under a stored sequence number is refused, since accepting it silently
 * would lose one of the two.
 */
public final class ForwardedAuditStore {
  private final Jdbi jdbi;
  private final Clock clock;

  ForwardedAuditStore(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** One stored record. */
  public record ForwardedRecord(String agentId, long sequence, String record, long receivedAt) {}

  /** A sequence number is already stored with a different record. */
  public static final class ConflictingRecordException extends Exception {
    private final long sequence;

    ConflictingRecordException(long sequence) {
      super("sequence " + sequence + " is already stored with a different record");
      this.sequence = sequence;
    }

    public long sequence() {
      return sequence;
    }
  }

  /**
   * Stores {@code records}, numbered from {@code firstSequence} (at least 1), in one transaction.
   * Returns the acknowledged sequence (0 when nothing of the agent is stored). With no records it
   * only reports the acknowledgement.
   *
   * @throws ConflictingRecordException if a stored sequence number holds a different record;
   *     nothing of the call is stored then
   */
  public long forward(String agentId, long firstSequence, List<String> records)
      throws ConflictingRecordException {
    if (records.isEmpty()) {
      return acknowledged(agentId);
    }
    if (firstSequence < 1 || firstSequence > Long.MAX_VALUE - records.size()) {
      throw new IllegalArgumentException("sequence numbers out of range");
    }
    long now = clock.instant().getEpochSecond();
    return jdbi.inTransaction(h -> {
      h.createUpdate("INSERT INTO forwarded_audit_progress (agent_id, acknowledged_through)"
              + " VALUES (:a, :s) ON CONFLICT DO NOTHING")
          .bind("a", agentId).bind("s", firstSequence - 1).execute();
      // Serializes the calls of one agent (two connections of an agent may forward at once).
      h.createUpdate("UPDATE forwarded_audit_progress SET acknowledged_through ="
              + " acknowledged_through WHERE agent_id = :a")
          .bind("a", agentId).execute();
      long through = progress(h, agentId).orElseThrow();
      // New records in one prepared batch (one statement, executed per row by the driver): a
      // statement per record cost more than the row itself.
      org.jdbi.v3.core.statement.PreparedBatch batch = h.prepareBatch("INSERT INTO forwarded_audit"
          + " (agent_id, sequence, record, received_at) VALUES (:a, :s, :r, :t)"
          + " ON CONFLICT DO NOTHING");
      List<Integer> batched = new java.util.ArrayList<>();
      for (int i = 0; i < records.size(); i++) {
        long sequence = firstSequence + i;
        if (sequence <= through) {
          // Acknowledged before: stored, or deleted by retention since. Never stored again.
          Optional<String> stored = h.createQuery("SELECT record FROM forwarded_audit"
                  + " WHERE agent_id = :a AND sequence = :s")
              .bind("a", agentId).bind("s", sequence).mapTo(String.class).findOne();
          if (stored.isPresent() && !stored.get().equals(records.get(i))) {
            throw new ConflictingRecordException(sequence);
          }
          continue;
        }
        batch.bind("a", agentId).bind("s", sequence).bind("r", records.get(i)).bind("t", now)
            .add();
        batched.add(i);
      }
      int[] inserted = batched.isEmpty() ? new int[0] : batch.execute();
      for (int k = 0; k < inserted.length; k++) {
        if (inserted[k] != 1) {
          // Already there (an earlier call stored it without being acknowledged), or a driver
          // that does not count batched rows: is it the same text?
          int i = batched.get(k);
          long sequence = firstSequence + i;
          String stored = h.createQuery("SELECT record FROM forwarded_audit"
                  + " WHERE agent_id = :a AND sequence = :s")
              .bind("a", agentId).bind("s", sequence).mapTo(String.class).one();
          if (!stored.equals(records.get(i))) {
            throw new ConflictingRecordException(sequence);
          }
        }
      }
      return advance(h, agentId);
    });
  }

  /** Every record of the agent up to this sequence number is stored; 0 for none. */
  public long acknowledged(String agentId) {
    return jdbi.withHandle(h -> progress(h, agentId).orElse(0L));
  }

  /** The agent's stored records with sequence numbers above {@code after}, in order. */
  public List<ForwardedRecord> list(String agentId, long after, int limit) {
    return jdbi.withHandle(h -> h.createQuery("SELECT agent_id, sequence, record, received_at"
            + " FROM forwarded_audit WHERE agent_id = :a AND sequence > :s ORDER BY sequence"
            + " LIMIT " + Math.max(0, limit))
        .bind("a", agentId).bind("s", after)
        .map((rs, ctx) -> new ForwardedRecord(rs.getString(1), rs.getLong(2), rs.getString(3),
            rs.getLong(4)))
        .list());
  }

  /**
   * Deletes the records received before {@code epochSeconds} (retention); returns how many. The
   * agents' acknowledgements stay, so a deleted record re-sent later is not stored again.
   */
  public int deleteReceivedBefore(long epochSeconds) {
    return jdbi.withHandle(h -> h.createUpdate("DELETE FROM forwarded_audit WHERE received_at < :t")
        .bind("t", epochSeconds).execute());
  }

  /** How many records of the agent are stored. */
  public long count(String agentId) {
    return jdbi.withHandle(h -> h.createQuery(
            "SELECT COUNT(*) FROM forwarded_audit WHERE agent_id = :a")
        .bind("a", agentId).mapTo(Long.class).one());
  }

  private static Optional<Long> progress(Handle h, String agentId) {
    return h.createQuery("SELECT acknowledged_through FROM forwarded_audit_progress"
            + " WHERE agent_id = :a")
        .bind("a", agentId).mapTo(Long.class).findOne();
  }

  /** Moves the acknowledgement over every stored record that follows it without a gap. */
  private static long advance(Handle h, String agentId) {
    long through = progress(h, agentId).orElseThrow();
    List<Long> after = h.createQuery("SELECT sequence FROM forwarded_audit"
            + " WHERE agent_id = :a AND sequence > :s ORDER BY sequence")
        .bind("a", agentId).bind("s", through).mapTo(Long.class).list();
    long next = through;
    for (long s : after) {
      if (s != next + 1) {
        break;
      }
      next = s;
    }
    if (next != through) {
      h.createUpdate("UPDATE forwarded_audit_progress SET acknowledged_through = :s"
              + " WHERE agent_id = :a")
          .bind("s", next).bind("a", agentId).execute();
    }
    return next;
  }
}
