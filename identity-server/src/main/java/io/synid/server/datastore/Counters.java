package io.synid.server.datastore;

import org.jdbi.v3.core.Handle;

/**
 * The {@code counters} table: monotonic values that also serve as locks. {@link #lock} must be
 * the first write of a transaction that reads state and then changes it, so that two writers of
 * the same state (two threads, or two server replicas on one PostgreSQL) run one after the other.
 *
 * <p>Implementation notes: on PostgreSQL the no-op {@code UPDATE} takes the counter row's lock
 * until commit, and every later statement of a READ COMMITTED transaction sees what the previous
 * holder committed. On SQLite the transaction began with {@code BEGIN IMMEDIATE} and already holds
 * the database's single write lock; the update is harmless there.
 */
final class Counters {
  static final String POLICY_VERSION = "policy_version";
  static final String DIRECTORY_REVISION = "directory_revision";
  static final String IDENTITY_NUMBER = "identity_number";

  private Counters() {}

  /** Locks the counter's row for the rest of the transaction. */
  static void lock(Handle h, String name) {
    int rows = h.createUpdate("UPDATE counters SET value = value WHERE name = :n")
        .bind("n", name).execute();
    if (rows != 1) {
      throw new DatastoreException("counter " + name + " is missing from the schema", null);
    }
  }

  /** The counter's value. */
  static long get(Handle h, String name) {
    return h.createQuery("SELECT value FROM counters WHERE name = :n")
        .bind("n", name).mapTo(Long.class).one();
  }

  /** Adds one and returns the new value. */
  static long next(Handle h, String name) {
    h.createUpdate("UPDATE counters SET value = value + 1 WHERE name = :n").bind("n", name).execute();
    return get(h, name);
  }
}
