package io.synid.server.datastore;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The versioned policy set: policies (name, canonical YAML, version of their last change),
 * per-workload mode overrides, and stored suggestions.
 *
 * <p>Every change goes through {@link #update}: in one transaction it locks the policy version,
 * reads the current state, lets the caller decide (and validate) against exactly that state,
 * writes the decision and, if anything changed, gives it the next version. Two concurrent
 * changes therefore never validate against a state that the other one is replacing.
 */
public final class PolicyStore {
  private final Jdbi jdbi;
  private final Clock clock;

  private final java.util.List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** The state last read, reused while the stored version is the same. */
  private volatile PolicyState lastRead;

  PolicyStore(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /**
   * One stored policy.
   *
   * @param yaml one YAML document, as written by the policy writer
   * @param version the policy-set version in which it last changed
   */
  public record StoredPolicy(String name, String yaml, long version) {
    public StoredPolicy {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(yaml, "yaml");
    }
  }

  /**
   * The policy set as stored.
   *
   * @param version the current policy-set version (0 before the first change)
   * @param policies by name
   * @param modes protected workload SPIFFE ID to {@code monitor} or {@code enforce}, by ID
   */
  public record PolicyState(long version, Map<String, StoredPolicy> policies, Map<String, String> modes) {
    public PolicyState {
      policies = java.util.Collections.unmodifiableMap(new TreeMap<>(policies));
      modes = java.util.Collections.unmodifiableMap(new TreeMap<>(modes));
    }
  }

  /**
   * What to change.
   *
   * @param puts policy name to its new YAML (created or replaced)
   * @param deletes names of policies to delete
   * @param modes SPIFFE ID to its new override ({@code monitor} or {@code enforce}), or to the
   *     empty string to clear it
   */
  public record PolicyChange(Map<String, String> puts, Set<String> deletes, Map<String, String> modes) {
    public static final PolicyChange NONE = new PolicyChange(Map.of(), Set.of(), Map.of());

    public PolicyChange {
      puts = Map.copyOf(puts);
      deletes = Set.copyOf(deletes);
      modes = Map.copyOf(modes);
    }

    public boolean isEmpty() {
      return puts.isEmpty() && deletes.isEmpty() && modes.isEmpty();
    }
  }

  /** Decides a change from the current state; may refuse by throwing. */
  @FunctionalInterface
  public interface Decider<E extends Exception> {
    /** The change to make; {@link PolicyChange#NONE} (or an empty change) leaves everything as is. */
    PolicyChange decide(PolicyState current) throws E;
  }

  /**
   * A suggestion waiting to be accepted.
   *
   * @param flows how many flows it covers
   */
  public record StoredSuggestion(String id, String yaml, long flows, long createdAt) {}

  /**
   * Runs {@code listener} after every committed change made through this store (not through
   * another server sharing the database). It must be quick and must not throw.
   */
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  /** The current policy version alone (one indexed read). */
  public long version() {
    return jdbi.withHandle(h -> Counters.get(h, Counters.POLICY_VERSION));
  }

  /** The current state. */
  public PolicyState state() {
    return jdbi.inTransaction(this::read);
  }

  /**
   * Runs {@code decider} against the current state and stores its change under the next
   * version. Returns the version after the call: the new one if something changed, else the
   * current one. A decider that throws changes nothing.
   */
  public <E extends Exception> long update(Decider<E> decider) throws E {
    long now = clock.instant().getEpochSecond();
    boolean[] changed = {false};
    long after = jdbi.inTransaction(h -> {
      Counters.lock(h, Counters.POLICY_VERSION);
      PolicyState current = read(h);
      PolicyChange change = decider.decide(current);
      if (change == null || change.isEmpty()) {
        return current.version();
      }
      long version = Counters.next(h, Counters.POLICY_VERSION);
      changed[0] = true;
      for (String name : change.deletes()) {
        h.createUpdate("DELETE FROM policies WHERE name = :n").bind("n", name).execute();
      }
      for (Map.Entry<String, String> put : new TreeMap<>(change.puts()).entrySet()) {
        h.createUpdate("DELETE FROM policies WHERE name = :n").bind("n", put.getKey()).execute();
        h.createUpdate("INSERT INTO policies (name, yaml, version, updated_at)"
                + " VALUES (:n, :y, :v, :t)")
            .bind("n", put.getKey()).bind("y", put.getValue()).bind("v", version).bind("t", now)
            .execute();
      }
      for (Map.Entry<String, String> mode : new TreeMap<>(change.modes()).entrySet()) {
        h.createUpdate("DELETE FROM workload_modes WHERE spiffe_id = :id")
            .bind("id", mode.getKey()).execute();
        if (!mode.getValue().isEmpty()) {
          h.createUpdate("INSERT INTO workload_modes (spiffe_id, mode, version, updated_at)"
                  + " VALUES (:id, :m, :v, :t)")
              .bind("id", mode.getKey()).bind("m", mode.getValue()).bind("v", version)
              .bind("t", now).execute();
        }
      }
      return version;
    });
    if (changed[0]) {
      listeners.forEach(Runnable::run);
    }
    return after;
  }

  /** Stores a suggestion under a new ID; every earlier suggestion is superseded (deleted). */
  public StoredSuggestion saveSuggestion(String yaml, long flows) {
    StoredSuggestion s = new StoredSuggestion(UUID.randomUUID().toString(), yaml, flows,
        clock.instant().getEpochSecond());
    jdbi.useTransaction(h -> {
      h.createUpdate("DELETE FROM policy_suggestions").execute();
      h.createUpdate("INSERT INTO policy_suggestions (id, yaml, flows, created_at)"
              + " VALUES (:id, :y, :f, :t)")
          .bind("id", s.id()).bind("y", s.yaml()).bind("f", s.flows()).bind("t", s.createdAt())
          .execute();
    });
    return s;
  }

  public Optional<StoredSuggestion> suggestion(String id) {
    return jdbi.withHandle(h -> h.createQuery(
            "SELECT id, yaml, flows, created_at FROM policy_suggestions WHERE id = :id")
        .bind("id", id)
        .map((rs, ctx) -> new StoredSuggestion(rs.getString(1), rs.getString(2), rs.getLong(3),
            rs.getLong(4)))
        .findOne());
  }

  /** Deletes a suggestion (once accepted); returns whether it existed. */
  public boolean deleteSuggestion(String id) {
    return jdbi.withHandle(h -> h.createUpdate("DELETE FROM policy_suggestions WHERE id = :id")
        .bind("id", id).execute() > 0);
  }

  /**
   * The state at the stored version: the one read last if the version is the same (every change
   * moves the version in its own transaction, whichever server makes it), else read.
   */
  private PolicyState read(Handle h) {
    long version = Counters.get(h, Counters.POLICY_VERSION);
    PolicyState known = lastRead;
    if (known != null && known.version() == version) {
      return known;
    }
    PolicyState state = read(h, version);
    lastRead = state;
    return state;
  }

  private static PolicyState read(Handle h, long version) {
    Map<String, StoredPolicy> policies = new LinkedHashMap<>();
    h.createQuery("SELECT name, yaml, version FROM policies ORDER BY name")
        .map((rs, ctx) -> new StoredPolicy(rs.getString(1), rs.getString(2), rs.getLong(3)))
        .forEach(p -> policies.put(p.name(), p));
    Map<String, String> modes = new LinkedHashMap<>();
    h.createQuery("SELECT spiffe_id, mode FROM workload_modes ORDER BY spiffe_id")
        .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
        .forEach(e -> modes.put(e.getKey(), e.getValue()));
    return new PolicyState(version, policies, modes);
  }
}
