package io.synid.server.datastore;

import io.synid.core.selector.Selector;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The node handshake-key directory: each agent's node index and X25519 public key, the global
 * identity number of each SPIFFE ID, and the identity handles binding a SPIFFE ID to a node.
 *
 * <p>Contract: a node index (1..{@value #MAX_NODE_INDEX}) is allocated once per agent ID and
 * never changes; an identity number is allocated once per SPIFFE ID and never given to another
 * ID; a handle ({@code node_index << 20 | slot}) is allocated once per (node, SPIFFE ID) and never
 * changes. The directory revision grows with every change of a key, an address list or a handle,
 * and only then.
 *
 * <p>Implementation notes: every write locks the directory revision counter first
 * ({@link Counters#lock}), so allocation is serialized across threads and server replicas, and
 * the unique constraints on index, identity number, slot and handle are a second line that turns
 * any bug into a failed transaction rather than a shared number. Indexes are given out in
 * order; only when all {@value #MAX_NODE_INDEX} are taken is the lowest index of an agent that is
 * no longer attested reclaimed (its key and handles leave the directory in the same transaction,
 * so peers never map the index to two keys at one revision).
 */
public final class NodeDirectoryStore {
  /** Highest node index: the index occupies the 12 bits above the 20-bit slot of a handle. */
  public static final int MAX_NODE_INDEX = 4095;
  /** Highest slot of a node: handles carry the slot in their low 20 bits; slot 0 is never used. */
  public static final int MAX_SLOT = (1 << 20) - 1;
  /** Bits of the slot in a handle. */
  public static final int SLOT_BITS = 20;

  private static final HexFormat HEX = HexFormat.of();

  private final Jdbi jdbi;
  private final Clock clock;
  private final int maxNodeIndex;

  NodeDirectoryStore(Jdbi jdbi, Clock clock) {
    this(jdbi, clock, MAX_NODE_INDEX);
  }

  private NodeDirectoryStore(Jdbi jdbi, Clock clock, int maxNodeIndex) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.maxNodeIndex = maxNodeIndex;
  }

  /** The same store with a smaller index space (tests of exhaustion and reuse). */
  NodeDirectoryStore withMaxNodeIndex(int max) {
    return new NodeDirectoryStore(jdbi, clock, max);
  }

  /**
   * A node's registered key.
   *
   * @param publicKey the X25519 public key, 32 bytes (copied)
   * @param addresses CIDR prefixes the node sends from
   * @param registeredAt Unix seconds of the last change of key or addresses
   */
  public record NodeKey(String agentId, int nodeIndex, byte[] publicKey, List<String> addresses,
      long registeredAt) {
    public NodeKey {
      Objects.requireNonNull(agentId, "agentId");
      publicKey = publicKey.clone();
      addresses = List.copyOf(addresses);
    }

    @Override
    public byte[] publicKey() {
      return publicKey.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof NodeKey k && k.agentId.equals(agentId) && k.nodeIndex == nodeIndex
          && java.util.Arrays.equals(k.publicKey, publicKey) && k.addresses.equals(addresses)
          && k.registeredAt == registeredAt;
    }

    @Override
    public int hashCode() {
      return Objects.hash(agentId, nodeIndex, java.util.Arrays.hashCode(publicKey), addresses,
          registeredAt);
    }

    @Override
    public String toString() {
      return "NodeKey[" + agentId + ", index " + nodeIndex + ", " + HEX.formatHex(publicKey) + ", "
          + addresses + "]";
    }
  }

  /** What a registration did. */
  public enum Outcome {
    /** First registration: the node index was allocated. */
    CREATED,
    /** The key or the addresses changed. */
    REPLACED,
    /** Same key and addresses as stored. */
    UNCHANGED
  }

  /** The result of {@link #register}. */
  public record Registration(int nodeIndex, Outcome outcome) {}

  /**
   * A binding of a SPIFFE ID to a node.
   *
   * @param handle {@code nodeIndex << 20 | slot}, an unsigned 32-bit value
   * @param identity the SPIFFE ID's global identity number
   * @param selectors the selectors of the registration entries with this SPIFFE ID (union,
   *     sorted); empty from {@link #allocate}
   */
  public record Binding(long handle, long identity, String spiffeId, int nodeIndex,
      List<Selector> selectors) {
    public Binding {
      selectors = List.copyOf(selectors);
    }
  }

  /** The result of allocating one SPIFFE ID's handle. */
  public sealed interface Allocation {
    /** The handle, {@code created} when this call allocated it. */
    record Allocated(Binding binding, boolean created) implements Allocation {}

    /** The node has no free slot left. */
    record NoFreeSlot(String spiffeId) implements Allocation {}
  }

  /** A consistent snapshot of the directory. */
  public record Directory(long revision, List<NodeKey> nodes, List<Binding> bindings) {
    public Directory {
      nodes = List.copyOf(nodes);
      bindings = List.copyOf(bindings);
    }
  }

  /** Every node index is taken by an attested agent. */
  public static final class NoFreeNodeIndexException extends Exception {
    NoFreeNodeIndexException() {
      super("no free node index: all are allocated to attested agents");
    }
  }

  /**
   * Registers or replaces an agent's key and addresses, allocating its node index on first
   * registration.
   *
   * @param publicKey exactly 32 bytes (validated by the caller)
   * @param addresses canonical CIDR prefixes (validated by the caller)
   */
  public Registration register(String agentId, byte[] publicKey, List<String> addresses)
      throws NoFreeNodeIndexException {
    if (publicKey.length != 32) {
      throw new IllegalArgumentException("an X25519 public key is 32 bytes");
    }
    String key = HEX.formatHex(publicKey);
    long now = clock.instant().getEpochSecond();
    return jdbi.inTransaction(h -> {
      Counters.lock(h, Counters.DIRECTORY_REVISION);
      Optional<NodeKey> existing = node(h, agentId);
      if (existing.isPresent()) {
        NodeKey n = existing.get();
        if (HEX.formatHex(n.publicKey()).equals(key) && n.addresses().equals(addresses)) {
          return new Registration(n.nodeIndex(), Outcome.UNCHANGED);
        }
        h.createUpdate("UPDATE node_keys SET public_key = :k, registered_at = :t"
                + " WHERE agent_id = :a")
            .bind("k", key).bind("t", now).bind("a", agentId).execute();
        writeAddresses(h, agentId, addresses);
        Counters.next(h, Counters.DIRECTORY_REVISION);
        return new Registration(n.nodeIndex(), Outcome.REPLACED);
      }
      int index = h.createQuery("SELECT COALESCE(MAX(node_index), 0) FROM node_keys")
          .mapTo(Integer.class).one() + 1;
      if (index > maxNodeIndex) {
        index = reclaim(h).orElseThrow(NoFreeNodeIndexException::new);
      }
      h.createUpdate("INSERT INTO node_keys (agent_id, node_index, public_key, registered_at)"
              + " VALUES (:a, :i, :k, :t)")
          .bind("a", agentId).bind("i", index).bind("k", key).bind("t", now).execute();
      writeAddresses(h, agentId, addresses);
      Counters.next(h, Counters.DIRECTORY_REVISION);
      return new Registration(index, Outcome.CREATED);
    });
  }

  /** The registered key of an agent. */
  public Optional<NodeKey> node(String agentId) {
    return jdbi.withHandle(h -> node(h, agentId));
  }

  /**
   * Allocates (or finds) the handles of {@code spiffeIds} on node {@code nodeIndex}, in one
   * transaction; results are in request order. Identity numbers are allocated for IDs that have
   * none. The caller has checked that the node may host these IDs.
   */
  public List<Allocation> allocate(int nodeIndex, List<String> spiffeIds) {
    long now = clock.instant().getEpochSecond();
    return jdbi.inTransaction(h -> {
      Counters.lock(h, Counters.DIRECTORY_REVISION);
      List<Allocation> out = new ArrayList<>(spiffeIds.size());
      boolean changed = false;
      int nextSlot = h.createQuery(
              "SELECT COALESCE(MAX(slot), 0) FROM identity_handles WHERE node_index = :i")
          .bind("i", nodeIndex).mapTo(Integer.class).one() + 1;
      for (String id : spiffeIds) {
        Optional<long[]> existing = h.createQuery(
                "SELECT handle FROM identity_handles WHERE node_index = :i AND spiffe_id = :id")
            .bind("i", nodeIndex).bind("id", id)
            .map((rs, ctx) -> new long[] {rs.getLong(1)}).findOne();
        if (existing.isPresent()) {
          out.add(new Allocation.Allocated(new Binding(existing.get()[0], identity(h, id, now),
              id, nodeIndex, List.of()), false));
          continue;
        }
        if (nextSlot > MAX_SLOT) {
          out.add(new Allocation.NoFreeSlot(id));
          continue;
        }
        long identity = identity(h, id, now);
        long handle = ((long) nodeIndex << SLOT_BITS) | nextSlot;
        h.createUpdate("INSERT INTO identity_handles (node_index, spiffe_id, slot, handle,"
                + " created_at) VALUES (:i, :id, :s, :h, :t)")
            .bind("i", nodeIndex).bind("id", id).bind("s", nextSlot).bind("h", handle)
            .bind("t", now).execute();
        nextSlot++;
        changed = true;
        out.add(new Allocation.Allocated(new Binding(handle, identity, id, nodeIndex, List.of()),
            true));
      }
      if (changed) {
        Counters.next(h, Counters.DIRECTORY_REVISION);
      }
      return out;
    });
  }

  /** The current directory revision (0 before the first registration). */
  public long revision() {
    return jdbi.withHandle(h -> Counters.get(h, Counters.DIRECTORY_REVISION));
  }

  /**
   * The whole directory, read in one transaction: nodes by index, bindings by handle, each with
   * the selectors of the registration entries of its SPIFFE ID.
   *
   * @param serverId {@code spiffe://<td>/spire/server}: the parent of node-alias entries
   */
  public Directory directory(String serverId) {
    long now = clock.instant().getEpochSecond();
    return jdbi.inTransaction(h -> {
      long revision = Counters.get(h, Counters.DIRECTORY_REVISION);
      Map<String, List<String>> addresses = new LinkedHashMap<>();
      h.createQuery("SELECT agent_id, cidr FROM node_addresses ORDER BY agent_id, ordinal")
          .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
          .forEach(e -> addresses.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
      List<NodeKey> nodes = h.createQuery("SELECT agent_id, node_index, public_key, registered_at"
              + " FROM node_keys ORDER BY node_index")
          .map((rs, ctx) -> new NodeKey(rs.getString(1), rs.getInt(2),
              HEX.parseHex(rs.getString(3)), addresses.getOrDefault(rs.getString(1), List.of()),
              rs.getLong(4)))
          .list();
      Map<String, TreeSet<Selector>> selectors = new TreeMap<>();
      h.createQuery("SELECT DISTINCT e.spiffe_id, s.type, s.value FROM registered_entries e"
              + " JOIN entry_selectors s ON s.entry_id = e.id"
              + " WHERE e.spiffe_id IN (SELECT spiffe_id FROM identity_handles)")
          .map((rs, ctx) -> Map.entry(rs.getString(1), new Selector(rs.getString(2), rs.getString(3))))
          .forEach(e -> selectors.computeIfAbsent(e.getKey(), k -> new TreeSet<>()).add(e.getValue()));
      // A binding lasts while its node's agent is still attested and still authorized for a
      // live registration entry with its SPIFFE ID, by SPIRE's rule (AuthorizedEntries): the
      // entry's parent is the agent, or a node alias whose selectors are a non-empty subset of
      // the agent's node selectors, or, recursively, an entry the agent is authorized for.
      // Deleting the entry, moving it to another parent or evicting the agent withdraws the
      // binding, so the kernels stop accepting that identity from that node.
      List<Binding> bindings = h.createQuery("WITH RECURSIVE"
              + " live AS (SELECT id, spiffe_id, parent_id FROM registered_entries"
              + "   WHERE expires_at = 0 OR expires_at > :now),"
              + " hosts (agent_id, spiffe_id) AS ("
              + "   SELECT k.agent_id, e.spiffe_id FROM node_keys k JOIN live e ON e.parent_id = k.agent_id"
              + "   UNION"
              + "   SELECT k.agent_id, e.spiffe_id FROM node_keys k JOIN live e ON e.parent_id = :server"
              + "     WHERE EXISTS (SELECT 1 FROM entry_selectors s WHERE s.entry_id = e.id)"
              + "     AND NOT EXISTS (SELECT 1 FROM entry_selectors s WHERE s.entry_id = e.id"
              + "       AND NOT EXISTS (SELECT 1 FROM node_selectors ns WHERE ns.spiffe_id = k.agent_id"
              + "         AND ns.type = s.type AND ns.value = s.value))"
              + "   UNION"
              + "   SELECT h.agent_id, e.spiffe_id FROM hosts h JOIN live e ON e.parent_id = h.spiffe_id)"
              + " SELECT b.handle, n.identity, b.spiffe_id,"
              + " b.node_index FROM identity_handles b"
              + " JOIN identity_numbers n ON n.spiffe_id = b.spiffe_id"
              + " JOIN node_keys k ON k.node_index = b.node_index"
              + " WHERE EXISTS (SELECT 1 FROM hosts x WHERE x.agent_id = k.agent_id"
              + "   AND x.spiffe_id = b.spiffe_id)"
              + " AND EXISTS (SELECT 1 FROM attested_nodes a WHERE a.spiffe_id = k.agent_id)"
              + " ORDER BY b.handle")
          .bind("now", now).bind("server", serverId)
          .map((rs, ctx) -> new Binding(rs.getLong(1), rs.getLong(2), rs.getString(3),
              rs.getInt(4), List.copyOf(selectors.getOrDefault(rs.getString(3), new TreeSet<>()))))
          .list();
      return new Directory(revision, nodes, bindings);
    });
  }

  /**
   * Frees the lowest index whose agent is no longer attested (evicted or deleted), withdrawing
   * its key, addresses and handles from the directory. Only when every index is taken: until
   * then an index is never given to a second agent.
   */
  private static Optional<Integer> reclaim(Handle h) {
    Optional<Map.Entry<String, Integer>> gone = h.createQuery("SELECT k.agent_id, k.node_index"
            + " FROM node_keys k WHERE NOT EXISTS (SELECT 1 FROM attested_nodes n"
            + " WHERE n.spiffe_id = k.agent_id) ORDER BY k.node_index LIMIT 1")
        .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getInt(2)))
        .findOne();
    gone.ifPresent(g -> {
      h.createUpdate("DELETE FROM identity_handles WHERE node_index = :i")
          .bind("i", g.getValue()).execute();
      h.createUpdate("DELETE FROM node_addresses WHERE agent_id = :a").bind("a", g.getKey()).execute();
      h.createUpdate("DELETE FROM node_keys WHERE agent_id = :a").bind("a", g.getKey()).execute();
    });
    return gone.map(Map.Entry::getValue);
  }

  private static long identity(Handle h, String spiffeId, long now) {
    Optional<Long> existing = h.createQuery(
            "SELECT identity FROM identity_numbers WHERE spiffe_id = :id")
        .bind("id", spiffeId).mapTo(Long.class).findOne();
    if (existing.isPresent()) {
      return existing.get();
    }
    long number = Counters.next(h, Counters.IDENTITY_NUMBER);
    if (number > 0xffff_ffffL) {
      throw new DatastoreException("identity numbers exhausted (32 bits)", null);
    }
    h.createUpdate("INSERT INTO identity_numbers (spiffe_id, identity, created_at)"
            + " VALUES (:id, :n, :t)")
        .bind("id", spiffeId).bind("n", number).bind("t", now).execute();
    return number;
  }

  private static Optional<NodeKey> node(Handle h, String agentId) {
    List<String> addresses = h.createQuery(
            "SELECT cidr FROM node_addresses WHERE agent_id = :a ORDER BY ordinal")
        .bind("a", agentId).mapTo(String.class).list();
    return h.createQuery("SELECT agent_id, node_index, public_key, registered_at FROM node_keys"
            + " WHERE agent_id = :a")
        .bind("a", agentId)
        .map((rs, ctx) -> new NodeKey(rs.getString(1), rs.getInt(2), HEX.parseHex(rs.getString(3)),
            addresses, rs.getLong(4)))
        .findOne();
  }

  private static void writeAddresses(Handle h, String agentId, List<String> addresses) {
    h.createUpdate("DELETE FROM node_addresses WHERE agent_id = :a").bind("a", agentId).execute();
    for (int i = 0; i < addresses.size(); i++) {
      h.createUpdate("INSERT INTO node_addresses (agent_id, ordinal, cidr) VALUES (:a, :o, :c)")
          .bind("a", agentId).bind("o", i).bind("c", addresses.get(i)).execute();
    }
  }
}
