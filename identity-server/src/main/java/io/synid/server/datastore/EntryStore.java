package io.synid.server.datastore;

import io.synid.core.selector.Selector;
import io.synid.server.entry.EntryFilter;
import io.synid.server.entry.RegistrationEntry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

/**
 * Registration entries. Entry identity (SPIFFE ID + parent ID + selector set) is enforced by a
 * unique column, so two concurrent creations of the same entry cannot both succeed.
 */
public final class EntryStore {
  /** Bind-parameter chunk for {@code IN (...)} lists; SQLite's default limit is far above it. */
  private static final int IN_CHUNK = 500;

  private final Jdbi jdbi;
  private final Clock clock;

  EntryStore(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** The outcome of one item of a batch creation. */
  public sealed interface CreateResult {
    /** The entry was stored as returned (with its ID, revision and creation time). */
    record Created(RegistrationEntry entry) implements CreateResult {}

    /** An equal entry already existed; nothing was stored. */
    record Exists(RegistrationEntry existing) implements CreateResult {}
  }

  /**
   * Creates one entry. An empty {@code id} gets a random UUID.
   *
   * @throws AlreadyExistsException if an entry with the same identity key or ID exists
   */
  public RegistrationEntry create(RegistrationEntry entry) throws AlreadyExistsException {
    CreateResult result = createAll(List.of(entry)).get(0);
    if (result instanceof CreateResult.Exists exists) {
      throw new AlreadyExistsException(exists.existing());
    }
    return ((CreateResult.Created) result).entry();
  }

  /**
   * Creates many entries in one transaction; each item either is created or reports the entry it
   * collides with. Results are in request order.
   */
  public List<CreateResult> createAll(List<RegistrationEntry> requested) {
    long now = clock.instant().getEpochSecond();
    return jdbi.inTransaction(h -> {
      List<CreateResult> results = new ArrayList<>(requested.size());
      for (RegistrationEntry entry : requested) {
        RegistrationEntry toStore =
            (entry.id().isEmpty() ? entry.withId(UUID.randomUUID().toString()) : entry)
                .withRevision(0, now);
        int inserted = h.createUpdate(
                "INSERT INTO registered_entries (id, spiffe_id, parent_id, x509_svid_ttl,"
                    + " jwt_svid_ttl, admin, downstream, expires_at, hint, store_svid,"
                    + " revision_number, created_at, identity_key) VALUES (:id, :spiffeId,"
                    + " :parentId, :x509, :jwt, :admin, :downstream, :expiresAt, :hint,"
                    + " :storeSvid, :revision, :createdAt, :identityKey) ON CONFLICT DO NOTHING")
            .bind("id", toStore.id())
            .bind("spiffeId", toStore.spiffeId())
            .bind("parentId", toStore.parentId())
            .bind("x509", toStore.x509SvidTtl())
            .bind("jwt", toStore.jwtSvidTtl())
            .bind("admin", toStore.admin() ? 1 : 0)
            .bind("downstream", toStore.downstream() ? 1 : 0)
            .bind("expiresAt", toStore.expiresAt())
            .bind("hint", toStore.hint())
            .bind("storeSvid", toStore.storeSvid() ? 1 : 0)
            .bind("revision", toStore.revisionNumber())
            .bind("createdAt", toStore.createdAt())
            .bind("identityKey", toStore.identityKey())
            .execute();
        if (inserted == 0) {
          results.add(new CreateResult.Exists(findConflict(h, toStore)));
          continue;
        }
        insertChildren(h, toStore);
        results.add(new CreateResult.Created(toStore));
      }
      return results;
    });
  }

  private RegistrationEntry findConflict(Handle h, RegistrationEntry entry) {
    Optional<String> id = h.createQuery(
            "SELECT id FROM registered_entries WHERE identity_key = :k OR id = :id")
        .bind("k", entry.identityKey())
        .bind("id", entry.id())
        .mapTo(String.class)
        .findFirst();
    return id.flatMap(found -> load(h, List.of(found)).stream().findFirst())
        .orElseThrow(() -> new DatastoreException("insert conflicted with no visible row", null));
  }

  private static void insertChildren(Handle h, RegistrationEntry entry) {
    if (!entry.selectors().isEmpty()) {
      PreparedBatch batch = h.prepareBatch(
          "INSERT INTO entry_selectors (entry_id, type, value) VALUES (:e, :t, :v)"
              + " ON CONFLICT DO NOTHING");
      for (Selector s : entry.selectors()) {
        batch.bind("e", entry.id()).bind("t", s.type()).bind("v", s.value()).add();
      }
      batch.execute();
    }
    if (!entry.dnsNames().isEmpty()) {
      PreparedBatch batch = h.prepareBatch(
          "INSERT INTO entry_dns_names (entry_id, ordinal, value) VALUES (:e, :o, :v)");
      int ordinal = 0;
      for (String dns : entry.dnsNames()) {
        batch.bind("e", entry.id()).bind("o", ordinal++).bind("v", dns).add();
      }
      batch.execute();
    }
    if (!entry.federatesWith().isEmpty()) {
      PreparedBatch batch = h.prepareBatch(
          "INSERT INTO entry_federates_with (entry_id, trust_domain) VALUES (:e, :t)"
              + " ON CONFLICT DO NOTHING");
      for (String td : entry.federatesWith()) {
        batch.bind("e", entry.id()).bind("t", td).add();
      }
      batch.execute();
    }
  }

  private static void deleteChildren(Handle h, String id) {
    for (String table : List.of("entry_selectors", "entry_dns_names", "entry_federates_with")) {
      h.createUpdate("DELETE FROM " + table + " WHERE entry_id = :e").bind("e", id).execute();
    }
  }

  /**
   * Replaces the stored entry that has {@code entry.id()} with {@code entry}, incrementing the
   * revision number; creation time is kept.
   *
   * @return the stored entry, or empty if no entry has that ID
   * @throws AlreadyExistsException if the new content collides with another entry
   */
  public Optional<RegistrationEntry> update(RegistrationEntry entry) throws AlreadyExistsException {
    Object outcome = jdbi.inTransaction(h -> {
      Optional<RegistrationEntry> current = load(h, List.of(entry.id())).stream().findFirst();
      if (current.isEmpty()) {
        return Optional.empty();
      }
      Optional<String> clash = h.createQuery(
              "SELECT id FROM registered_entries WHERE identity_key = :k AND id <> :id")
          .bind("k", entry.identityKey())
          .bind("id", entry.id())
          .mapTo(String.class)
          .findFirst();
      if (clash.isPresent()) {
        return load(h, List.of(clash.get())).get(0);
      }
      RegistrationEntry updated =
          entry.withRevision(current.get().revisionNumber() + 1, current.get().createdAt());
      h.createUpdate("UPDATE registered_entries SET spiffe_id = :spiffeId, parent_id = :parentId,"
              + " x509_svid_ttl = :x509, jwt_svid_ttl = :jwt, admin = :admin,"
              + " downstream = :downstream, expires_at = :expiresAt, hint = :hint,"
              + " store_svid = :storeSvid, revision_number = :revision,"
              + " identity_key = :identityKey WHERE id = :id")
          .bind("id", updated.id())
          .bind("spiffeId", updated.spiffeId())
          .bind("parentId", updated.parentId())
          .bind("x509", updated.x509SvidTtl())
          .bind("jwt", updated.jwtSvidTtl())
          .bind("admin", updated.admin() ? 1 : 0)
          .bind("downstream", updated.downstream() ? 1 : 0)
          .bind("expiresAt", updated.expiresAt())
          .bind("hint", updated.hint())
          .bind("storeSvid", updated.storeSvid() ? 1 : 0)
          .bind("revision", updated.revisionNumber())
          .bind("identityKey", updated.identityKey())
          .execute();
      deleteChildren(h, updated.id());
      insertChildren(h, updated);
      if (movesBindings(current.get(), updated)) {
        Counters.next(h, Counters.DIRECTORY_REVISION);
      }
      return Optional.of(updated);
    });
    if (outcome instanceof RegistrationEntry existing) {
      throw new AlreadyExistsException(existing);
    }
    @SuppressWarnings("unchecked")
    Optional<RegistrationEntry> updated = (Optional<RegistrationEntry>) outcome;
    return updated;
  }

  /** Deletes an entry; returns the deleted entry, or empty if none had that ID. */
  public Optional<RegistrationEntry> delete(String id) {
    return jdbi.inTransaction(h -> {
      Optional<RegistrationEntry> current = load(h, List.of(id)).stream().findFirst();
      if (current.isPresent()) {
        deleteChildren(h, id);
        h.createUpdate("DELETE FROM registered_entries WHERE id = :id").bind("id", id).execute();
        // Bindings of its SPIFFE ID may go: move the directory counter, so that agents are
        // told at once rather than at their next sync.
        Counters.next(h, Counters.DIRECTORY_REVISION);
      }
      return current;
    });
  }

  /**
   * Whether an update can change which nodes may host which SPIFFE IDs (the node directory's
   * bindings): a new SPIFFE ID, parent, selectors or expiry.
   */
  private static boolean movesBindings(RegistrationEntry before, RegistrationEntry after) {
    return !before.spiffeId().equals(after.spiffeId()) || !before.parentId().equals(after.parentId())
        || !new HashSet<>(before.selectors()).equals(new HashSet<>(after.selectors()))
        || before.expiresAt() != after.expiresAt();
  }

  public Optional<RegistrationEntry> get(String id) {
    return jdbi.withHandle(h -> load(h, List.of(id)).stream().findFirst());
  }

  /** Loads the entries with the given IDs; missing IDs are absent from the map. */
  public Map<String, RegistrationEntry> getAll(Collection<String> ids) {
    return jdbi.withHandle(h -> {
      Map<String, RegistrationEntry> byId = new LinkedHashMap<>();
      for (RegistrationEntry e : load(h, List.copyOf(ids))) {
        byId.put(e.id(), e);
      }
      return byId;
    });
  }

  /** One page of a listing, ordered by entry ID. */
  public record Page(List<RegistrationEntry> entries, String nextPageToken) {}

  /**
   * Lists entries that match {@code filter}, ordered by ID.
   *
   * @param pageSize 0 for all
   * @param pageToken empty for the first page, else the token of the previous page
   */
  public Page list(EntryFilter filter, int pageSize, String pageToken) {
    return jdbi.withHandle(h -> {
      SqlFilter where = SqlFilter.of(filter);
      StringBuilder sql = new StringBuilder("SELECT e.id FROM registered_entries e WHERE 1=1");
      sql.append(where.sql());
      if (!pageToken.isEmpty()) {
        sql.append(" AND e.id > :pageToken");
      }
      sql.append(" ORDER BY e.id");
      if (pageSize > 0) {
        sql.append(" LIMIT ").append(pageSize);
      }
      Query query = h.createQuery(sql.toString());
      where.bindTo(query);
      if (!pageToken.isEmpty()) {
        query.bind("pageToken", pageToken);
      }
      List<String> ids = query.mapTo(String.class).list();
      List<RegistrationEntry> entries = load(h, ids);
      String next = pageSize > 0 && ids.size() == pageSize ? ids.get(ids.size() - 1) : "";
      return new Page(entries, next);
    });
  }

  /** The entries whose parent ID is one of {@code parentIds}, ordered by ID. */
  public List<RegistrationEntry> listByParentIds(Collection<String> parentIds) {
    if (parentIds.isEmpty()) {
      return List.of();
    }
    return jdbi.withHandle(h -> {
      List<String> parents = List.copyOf(parentIds);
      List<String> ids = new ArrayList<>();
      for (int from = 0; from < parents.size(); from += IN_CHUNK) {
        ids.addAll(h.createQuery("SELECT id FROM registered_entries WHERE parent_id IN (<p>)")
            .bindList("p", parents.subList(from, Math.min(parents.size(), from + IN_CHUNK)))
            .mapTo(String.class).list());
      }
      ids.sort(null);
      return load(h, ids);
    });
  }

  /** Counts entries that match {@code filter}. */
  public long count(EntryFilter filter) {
    return jdbi.withHandle(h -> {
      SqlFilter where = SqlFilter.of(filter);
      Query query =
          h.createQuery("SELECT COUNT(*) FROM registered_entries e WHERE 1=1" + where.sql());
      where.bindTo(query);
      return query.mapTo(Long.class).one();
    });
  }

  /** Loads full entries (with selectors, DNS names and federated trust domains), in ID order. */
  private static List<RegistrationEntry> load(Handle h, List<String> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    Map<String, Row> rows = new LinkedHashMap<>();
    for (int from = 0; from < ids.size(); from += IN_CHUNK) {
      List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
      h.createQuery("SELECT * FROM registered_entries WHERE id IN (<ids>)")
          .bindList("ids", chunk)
          .map((rs, ctx) -> new Row(rs.getString("id"), rs.getString("spiffe_id"),
              rs.getString("parent_id"), rs.getInt("x509_svid_ttl"), rs.getInt("jwt_svid_ttl"),
              rs.getInt("admin") != 0, rs.getInt("downstream") != 0, rs.getLong("expires_at"),
              rs.getString("hint"), rs.getInt("store_svid") != 0, rs.getLong("revision_number"),
              rs.getLong("created_at")))
          .forEach(r -> rows.put(r.id, r));
      h.createQuery("SELECT entry_id, type, value FROM entry_selectors WHERE entry_id IN (<ids>)"
              + " ORDER BY entry_id, type, value")
          .bindList("ids", chunk)
          .map((rs, ctx) -> Map.entry(rs.getString(1), new Selector(rs.getString(2), rs.getString(3))))
          .forEach(e -> rows.get(e.getKey()).selectors.add(e.getValue()));
      h.createQuery("SELECT entry_id, value FROM entry_dns_names WHERE entry_id IN (<ids>)"
              + " ORDER BY entry_id, ordinal")
          .bindList("ids", chunk)
          .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
          .forEach(e -> rows.get(e.getKey()).dnsNames.add(e.getValue()));
      h.createQuery("SELECT entry_id, trust_domain FROM entry_federates_with"
              + " WHERE entry_id IN (<ids>) ORDER BY entry_id, trust_domain")
          .bindList("ids", chunk)
          .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
          .forEach(e -> rows.get(e.getKey()).federatesWith.add(e.getValue()));
    }
    List<RegistrationEntry> result = new ArrayList<>(rows.size());
    Map<String, Row> byId = new HashMap<>(rows);
    for (String id : ids) {
      Row r = byId.get(id);
      if (r != null) {
        result.add(r.toEntry());
      }
    }
    return result;
  }

  /** Mutable accumulator while an entry's child rows are read. */
  private static final class Row {
    final String id;
    final String spiffeId;
    final String parentId;
    final int x509;
    final int jwt;
    final boolean admin;
    final boolean downstream;
    final long expiresAt;
    final String hint;
    final boolean storeSvid;
    final long revision;
    final long createdAt;
    final List<Selector> selectors = new ArrayList<>();
    final List<String> dnsNames = new ArrayList<>();
    final List<String> federatesWith = new ArrayList<>();

    Row(String id, String spiffeId, String parentId, int x509, int jwt, boolean admin,
        boolean downstream, long expiresAt, String hint, boolean storeSvid, long revision,
        long createdAt) {
      this.id = id;
      this.spiffeId = spiffeId;
      this.parentId = parentId;
      this.x509 = x509;
      this.jwt = jwt;
      this.admin = admin;
      this.downstream = downstream;
      this.expiresAt = expiresAt;
      this.hint = hint;
      this.storeSvid = storeSvid;
      this.revision = revision;
      this.createdAt = createdAt;
    }

    RegistrationEntry toEntry() {
      return new RegistrationEntry(id, spiffeId, parentId, selectors, x509, jwt, federatesWith,
          admin, downstream, expiresAt, dnsNames, revision, storeSvid, hint, createdAt);
    }
  }
}
