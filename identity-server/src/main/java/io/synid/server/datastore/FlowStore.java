package io.synid.server.datastore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/**
 * Observed connections, aggregated per (source, destination, port): agents report counts since
 * their previous report, and the store adds them up.
 */
public final class FlowStore {
  private final Jdbi jdbi;

  FlowStore(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /**
   * Counts for one (source, destination, port).
   *
   * @param sourceSpiffeId the source's SPIFFE ID, or empty for an unauthenticated source
   * @param sourceAddress the unauthenticated source's address, or empty for an authenticated one
   * @param allowed connections allowed by policy
   * @param denied connections refused
   * @param wouldDeny connections let through in monitor mode that enforcement would refuse
   * @param firstSeen Unix seconds
   * @param lastSeen Unix seconds
   */
  public record Flow(String sourceSpiffeId, String sourceAddress, String destinationSpiffeId,
      int port, long allowed, long denied, long wouldDeny, long firstSeen, long lastSeen) {
    public Flow {
      Objects.requireNonNull(sourceSpiffeId, "sourceSpiffeId");
      Objects.requireNonNull(sourceAddress, "sourceAddress");
      Objects.requireNonNull(destinationSpiffeId, "destinationSpiffeId");
      if (sourceSpiffeId.isEmpty() == sourceAddress.isEmpty()) {
        throw new IllegalArgumentException("exactly one of source SPIFFE ID and source address");
      }
      if (allowed < 0 || denied < 0 || wouldDeny < 0) {
        throw new IllegalArgumentException("negative count");
      }
    }

    Key key() {
      return new Key(sourceSpiffeId, sourceAddress, destinationSpiffeId, port);
    }

    Flow plus(Flow o) {
      return new Flow(sourceSpiffeId, sourceAddress, destinationSpiffeId, port,
          allowed + o.allowed, denied + o.denied, wouldDeny + o.wouldDeny,
          Math.min(firstSeen, o.firstSeen), Math.max(lastSeen, o.lastSeen));
    }
  }

  /** Which count a filter asks to be non-zero. */
  public enum Verdict {
    ALLOWED("allowed"),
    DENIED("denied"),
    WOULD_DENY("would_deny");

    private final String column;

    Verdict(String column) {
      this.column = column;
    }
  }

  /**
   * Which flows to list; empty strings, port 0 and a null verdict match everything.
   */
  public record Filter(String sourceSpiffeId, String sourceAddress, String destinationSpiffeId,
      int port, Verdict verdict) {
    public static final Filter ALL = new Filter("", "", "", 0, null);

    public Filter {
      Objects.requireNonNull(sourceSpiffeId, "sourceSpiffeId");
      Objects.requireNonNull(sourceAddress, "sourceAddress");
      Objects.requireNonNull(destinationSpiffeId, "destinationSpiffeId");
    }
  }

  record Key(String sourceSpiffeId, String sourceAddress, String destinationSpiffeId, int port)
      implements Comparable<Key> {
    private static final Comparator<Key> ORDER = Comparator.comparing(Key::destinationSpiffeId)
        .thenComparing(Key::sourceSpiffeId).thenComparing(Key::sourceAddress)
        .thenComparingInt(Key::port);

    @Override
    public int compareTo(Key o) {
      return ORDER.compare(this, o);
    }
  }

  /**
   * Adds the counts of {@code deltas} to the stored flows, in one transaction; first seen and
   * last seen widen to include the deltas'. Deltas with the same key are summed first.
   */
  public void add(List<Flow> deltas) {
    // One row per key, in one global order: concurrent reports touching the same rows lock them
    // in the same order on PostgreSQL and cannot deadlock.
    Map<Key, Flow> merged = new TreeMap<>();
    for (Flow f : deltas) {
      merged.merge(f.key(), f, Flow::plus);
    }
    if (merged.isEmpty()) {
      return;
    }
    jdbi.useTransaction(h -> {
      for (Flow f : merged.values()) {
        h.createUpdate("INSERT INTO flows (source_spiffe_id, source_address,"
                + " destination_spiffe_id, port, allowed, denied, would_deny, first_seen,"
                + " last_seen) VALUES (:src, :addr, :dst, :port, :a, :d, :w, :first, :last)"
                + " ON CONFLICT (source_spiffe_id, source_address, destination_spiffe_id, port)"
                + " DO UPDATE SET allowed = flows.allowed + excluded.allowed,"
                + " denied = flows.denied + excluded.denied,"
                + " would_deny = flows.would_deny + excluded.would_deny,"
                + " first_seen = CASE WHEN excluded.first_seen < flows.first_seen"
                + " THEN excluded.first_seen ELSE flows.first_seen END,"
                + " last_seen = CASE WHEN excluded.last_seen > flows.last_seen"
                + " THEN excluded.last_seen ELSE flows.last_seen END")
            .bind("src", f.sourceSpiffeId()).bind("addr", f.sourceAddress())
            .bind("dst", f.destinationSpiffeId()).bind("port", f.port())
            .bind("a", f.allowed()).bind("d", f.denied()).bind("w", f.wouldDeny())
            .bind("first", f.firstSeen()).bind("last", f.lastSeen())
            .execute();
      }
    });
  }

  /** Deletes the flows last seen before {@code epochSeconds} (retention); returns how many. */
  public int deleteLastSeenBefore(long epochSeconds) {
    return jdbi.withHandle(h -> h.createUpdate("DELETE FROM flows WHERE last_seen < :t")
        .bind("t", epochSeconds).execute());
  }

  /** The flows matching {@code filter}, by destination, source and port. */
  public List<Flow> list(Filter filter) {
    StringBuilder sql = new StringBuilder("SELECT source_spiffe_id, source_address,"
        + " destination_spiffe_id, port, allowed, denied, would_deny, first_seen, last_seen"
        + " FROM flows WHERE 1 = 1");
    List<Map.Entry<String, Object>> binds = new ArrayList<>();
    if (!filter.sourceSpiffeId().isEmpty()) {
      sql.append(" AND source_spiffe_id = :src");
      binds.add(Map.entry("src", filter.sourceSpiffeId()));
    }
    if (!filter.sourceAddress().isEmpty()) {
      sql.append(" AND source_address = :addr");
      binds.add(Map.entry("addr", filter.sourceAddress()));
    }
    if (!filter.destinationSpiffeId().isEmpty()) {
      sql.append(" AND destination_spiffe_id = :dst");
      binds.add(Map.entry("dst", filter.destinationSpiffeId()));
    }
    if (filter.port() != 0) {
      sql.append(" AND port = :port");
      binds.add(Map.entry("port", filter.port()));
    }
    if (filter.verdict() != null) {
      // The column name comes from the enum, never from the caller.
      sql.append(" AND ").append(filter.verdict().column).append(" > 0");
    }
    sql.append(" ORDER BY destination_spiffe_id, source_spiffe_id, source_address, port");
    return jdbi.withHandle(h -> {
      Query q = h.createQuery(sql.toString());
      binds.forEach(b -> q.bind(b.getKey(), b.getValue()));
      return q.map((rs, ctx) -> new Flow(rs.getString(1), rs.getString(2), rs.getString(3),
              rs.getInt(4), rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8),
              rs.getLong(9)))
          .list();
    });
  }
}
