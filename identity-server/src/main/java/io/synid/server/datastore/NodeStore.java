package io.synid.server.datastore;

import io.synid.core.selector.Selector;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Attested nodes (agents) and their node selectors. */
public final class NodeStore {
  private final Jdbi jdbi;
  private final Clock clock;

  NodeStore(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** Inserts or replaces a node with its selectors, in one transaction. */
  public void put(AttestedNode node) {
    jdbi.useTransaction(h -> {
      h.createUpdate("DELETE FROM node_selectors WHERE spiffe_id = :id")
          .bind("id", node.spiffeId()).execute();
      h.createUpdate("DELETE FROM attested_nodes WHERE spiffe_id = :id")
          .bind("id", node.spiffeId()).execute();
      h.createUpdate("INSERT INTO attested_nodes (spiffe_id, attestation_type, cert_serial,"
              + " cert_not_after, new_cert_serial, new_cert_not_after, can_reattest,"
              + " agent_version, created_at) VALUES (:id, :type, :serial, :notAfter, :newSerial,"
              + " :newNotAfter, :canReattest, :version, :createdAt)")
          .bind("id", node.spiffeId())
          .bind("type", node.attestationType())
          .bind("serial", node.certSerial())
          .bind("notAfter", node.certNotAfter())
          .bind("newSerial", node.newCertSerial())
          .bind("newNotAfter", node.newCertNotAfter())
          .bind("canReattest", node.canReattest() ? 1 : 0)
          .bind("version", node.agentVersion())
          .bind("createdAt", node.createdAt() == 0 ? clock.instant().getEpochSecond() : node.createdAt())
          .execute();
      for (Selector s : node.selectors()) {
        h.createUpdate("INSERT INTO node_selectors (spiffe_id, type, value) VALUES (:id, :t, :v)"
                + " ON CONFLICT DO NOTHING")
            .bind("id", node.spiffeId()).bind("t", s.type()).bind("v", s.value()).execute();
      }
    });
  }

  public Optional<AttestedNode> get(String spiffeId) {
    return jdbi.withHandle(h -> load(h, " WHERE spiffe_id = :id", spiffeId).stream().findFirst());
  }

  /** All nodes ordered by SPIFFE ID; {@code pageToken} is the last ID of the previous page. */
  public List<AttestedNode> list(int pageSize, String pageToken) {
    return jdbi.withHandle(h -> {
      String where = pageToken.isEmpty() ? " WHERE 1=1" : " WHERE spiffe_id > :id";
      String limit = pageSize > 0 ? " LIMIT " + pageSize : "";
      return load(h, where + " ORDER BY spiffe_id" + limit, pageToken);
    });
  }

  public long count() {
    return jdbi.withHandle(h ->
        h.createQuery("SELECT COUNT(*) FROM attested_nodes").mapTo(Long.class).one());
  }

  /**
   * Deletes a node and its selectors; returns whether it existed. Its bindings leave the node
   * directory, whose counter moves so that agents are told at once.
   */
  public boolean delete(String spiffeId) {
    return jdbi.inTransaction(h -> {
      h.createUpdate("DELETE FROM node_selectors WHERE spiffe_id = :id").bind("id", spiffeId).execute();
      boolean deleted = h.createUpdate("DELETE FROM attested_nodes WHERE spiffe_id = :id")
          .bind("id", spiffeId).execute() > 0;
      if (deleted) {
        Counters.next(h, Counters.DIRECTORY_REVISION);
      }
      return deleted;
    });
  }

  /**
   * Bans a node: clears its certificate serials so no SVID of it is accepted; true if found.
   * Moves the node directory's counter like {@link #delete}.
   */
  public boolean ban(String spiffeId) {
    return jdbi.inTransaction(h -> {
      boolean banned = h.createUpdate("UPDATE attested_nodes SET cert_serial = '',"
              + " new_cert_serial = '', new_cert_not_after = 0 WHERE spiffe_id = :id")
          .bind("id", spiffeId).execute() > 0;
      if (banned) {
        Counters.next(h, Counters.DIRECTORY_REVISION);
      }
      return banned;
    });
  }

  /**
   * Records a renewed SVID as the node's pending ("new") certificate, unless the node is banned
   * or gone; returns whether it was recorded. The current serial stays valid until the agent
   * first uses the new one ({@link #activateNewSerial}).
   */
  public boolean renew(String spiffeId, String newSerial, long newNotAfter) {
    return jdbi.withHandle(h -> h.createUpdate("UPDATE attested_nodes SET new_cert_serial = :s,"
            + " new_cert_not_after = :n WHERE spiffe_id = :id AND cert_serial <> ''")
        .bind("s", newSerial).bind("n", newNotAfter).bind("id", spiffeId).execute() > 0);
  }

  /**
   * Makes the pending certificate current if its serial is {@code serial}; returns whether it
   * did. A ban in between wins: a banned node has no pending serial to match.
   */
  public boolean activateNewSerial(String spiffeId, String serial) {
    return jdbi.withHandle(h -> h.createUpdate("UPDATE attested_nodes SET"
            + " cert_serial = new_cert_serial, cert_not_after = new_cert_not_after,"
            + " new_cert_serial = '', new_cert_not_after = 0"
            + " WHERE spiffe_id = :id AND new_cert_serial = :s AND new_cert_serial <> ''")
        .bind("id", spiffeId).bind("s", serial).execute() > 0);
  }

  /** Records the version an agent reports; returns whether the node exists. */
  public boolean setAgentVersion(String spiffeId, String version) {
    return jdbi.withHandle(h -> h.createUpdate(
            "UPDATE attested_nodes SET agent_version = :v WHERE spiffe_id = :id")
        .bind("v", version).bind("id", spiffeId).execute() > 0);
  }

  private static List<AttestedNode> load(Handle h, String whereOrderLimit, String param) {
    Map<String, Object[]> rows = new LinkedHashMap<>();
    var query = h.createQuery("SELECT * FROM attested_nodes" + whereOrderLimit);
    if (whereOrderLimit.contains(":id")) {
      query.bind("id", param);
    }
    query.map((rs, ctx) -> new Object[] {rs.getString("spiffe_id"),
            rs.getString("attestation_type"), rs.getString("cert_serial"),
            rs.getLong("cert_not_after"), rs.getString("new_cert_serial"),
            rs.getLong("new_cert_not_after"), rs.getInt("can_reattest") != 0,
            rs.getString("agent_version"), rs.getLong("created_at")})
        .forEach(r -> rows.put((String) r[0], r));
    List<AttestedNode> nodes = new ArrayList<>();
    for (Object[] r : rows.values()) {
      List<Selector> selectors = h.createQuery(
              "SELECT type, value FROM node_selectors WHERE spiffe_id = :id ORDER BY type, value")
          .bind("id", (String) r[0])
          .map((rs, ctx) -> new Selector(rs.getString(1), rs.getString(2)))
          .list();
      nodes.add(new AttestedNode((String) r[0], (String) r[1], (String) r[2], (Long) r[3],
          (String) r[4], (Long) r[5], (Boolean) r[6], (String) r[7], (Long) r[8], selectors));
    }
    return nodes;
  }
}
