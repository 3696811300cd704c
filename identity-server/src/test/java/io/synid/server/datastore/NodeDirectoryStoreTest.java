package io.synid.server.datastore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.core.selector.Selector;
import io.synid.server.datastore.NodeDirectoryStore.Allocation;
import io.synid.server.datastore.NodeDirectoryStore.Binding;
import io.synid.server.entry.RegistrationEntry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class NodeDirectoryStoreTest {
  @TempDir Path tmp;

  private static final String SERVER = "spiffe://example.org/spire/server";

  static List<DatastoreConfig.Kind> kinds() {
    return TestDatastores.kinds();
  }

  private static byte[] key(int seed) {
    byte[] k = new byte[32];
    for (int i = 0; i < 32; i++) {
      k[i] = (byte) (seed * 31 + i + 7);
    }
    return k;
  }

  /** Stores an attested agent with these node selectors. */
  private static void attest(Datastore ds, String agentId, Selector... selectors) {
    ds.nodes().put(new AttestedNode(agentId, "x", "serial-" + agentId.hashCode(), 0, "", 0, false, "",
        0, List.of(selectors)));
  }

  private static <T> List<T> race(int threads, Callable<T> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(pool.submit(() -> {
          go.await();
          return task.call();
        }));
      }
      go.countDown();
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdown();
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void agentsRegisteringAtOnceGetDistinctIndexesThatNeverChange(DatastoreConfig.Kind kind)
      throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      NodeDirectoryStore dir = ds.directory();
      java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
      List<Integer> indexes = race(12, () -> {
        int n = next.getAndIncrement();
        return dir.register("spiffe://example.org/spire/agent/x/" + n, key(n), List.of("10.0.0." + n + "/32"))
            .nodeIndex();
      });
      assertThat(new HashSet<>(indexes)).hasSize(12);
      assertThat(indexes).allMatch(i -> i >= 1 && i <= 12);
      assertThat(dir.revision()).isEqualTo(12);

      // Re-registration keeps the index; the same key changes nothing, a new key bumps the revision.
      String agent = "spiffe://example.org/spire/agent/x/3";
      int index = dir.node(agent).orElseThrow().nodeIndex();
      assertThat(dir.register(agent, key(3), List.of("10.0.0.3/32")))
          .isEqualTo(new NodeDirectoryStore.Registration(index, NodeDirectoryStore.Outcome.UNCHANGED));
      assertThat(dir.revision()).isEqualTo(12);
      assertThat(dir.register(agent, key(99), List.of("10.0.0.3/32", "fd00::3/128")))
          .isEqualTo(new NodeDirectoryStore.Registration(index, NodeDirectoryStore.Outcome.REPLACED));
      assertThat(dir.revision()).isEqualTo(13);
      NodeDirectoryStore.NodeKey stored = dir.node(agent).orElseThrow();
      assertThat(stored.publicKey()).isEqualTo(key(99));
      assertThat(stored.addresses()).containsExactly("10.0.0.3/32", "fd00::3/128");
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void handlesAndIdentityNumbersAreAllocatedOnceUnderConcurrency(DatastoreConfig.Kind kind)
      throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      NodeDirectoryStore dir = ds.directory();
      int a = dir.register("spiffe://example.org/spire/agent/x/a", key(1), List.of()).nodeIndex();
      int b = dir.register("spiffe://example.org/spire/agent/x/b", key(2), List.of()).nodeIndex();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        ids.add("spiffe://example.org/workload/" + i);
      }
      java.util.concurrent.atomic.AtomicInteger turn = new java.util.concurrent.atomic.AtomicInteger();
      // Both nodes, twice each, the same IDs in different orders, all at once.
      List<List<Allocation>> results = race(4, () -> {
        int t = turn.getAndIncrement();
        List<String> order = new ArrayList<>(ids);
        if (t % 2 == 1) {
          java.util.Collections.reverse(order);
        }
        return dir.allocate(t < 2 ? a : b, order);
      });
      Set<Long> handles = new HashSet<>();
      java.util.Map<String, Long> identityOf = new java.util.HashMap<>();
      java.util.Map<String, Long> handleOf = new java.util.HashMap<>();
      for (List<Allocation> r : results) {
        for (Allocation alloc : r) {
          Binding binding = ((Allocation.Allocated) alloc).binding();
          String key = binding.nodeIndex() + " " + binding.spiffeId();
          // Stable: every call sees the same handle for a (node, ID) and the same number for an ID.
          assertThat(handleOf.merge(key, binding.handle(), (x, y) -> x.equals(y) ? x : -1L)).isNotEqualTo(-1L);
          assertThat(identityOf.merge(binding.spiffeId(), binding.identity(), (x, y) -> x.equals(y) ? x : -1L))
              .isNotEqualTo(-1L);
          assertThat(binding.handle() >>> NodeDirectoryStore.SLOT_BITS).isEqualTo(binding.nodeIndex());
          handles.add(binding.handle());
        }
      }
      assertThat(handles).hasSize(40);
      assertThat(new HashSet<>(identityOf.values())).hasSize(20);
      long created = results.stream().flatMap(List::stream)
          .filter(x -> ((Allocation.Allocated) x).created()).count();
      assertThat(created).isEqualTo(40);

      long revision = dir.revision();
      assertThat(dir.allocate(a, ids)).allMatch(x -> !((Allocation.Allocated) x).created());
      assertThat(dir.revision()).as("nothing new: same revision").isEqualTo(revision);
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void theDirectoryCarriesKeysBindingsAndEntrySelectors(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      NodeDirectoryStore dir = ds.directory();
      assertThat(dir.directory(SERVER)).isEqualTo(new NodeDirectoryStore.Directory(0, List.of(), List.of()));
      ds.entries().create(new RegistrationEntry("", "spiffe://example.org/web", "spiffe://example.org/spire/agent/x/a",
          List.of(new Selector("unix", "uid:1000")), 0, 0, List.of(), false, false, 0, List.of(), 0, false, "", 0));
      ds.entries().create(new RegistrationEntry("", "spiffe://example.org/web", "spiffe://example.org/node2",
          List.of(new Selector("k8s", "ns:web"), new Selector("unix", "uid:1000")), 0, 0, List.of(), false, false, 0,
          List.of(), 0, false, "", 0));
      ds.nodes().put(new AttestedNode("spiffe://example.org/spire/agent/x/a", "x", "serial", 0, "", 0,
          false, "", 0, List.of()));
      int index = dir.register("spiffe://example.org/spire/agent/x/a", key(1), List.of("10.1.0.0/24")).nodeIndex();
      Binding web = ((Allocation.Allocated) dir.allocate(index, List.of("spiffe://example.org/web",
          "spiffe://example.org/db")).get(0)).binding();
      NodeDirectoryStore.Directory d = dir.directory(SERVER);
      assertThat(d.revision()).isEqualTo(2);
      assertThat(d.nodes()).extracting(NodeDirectoryStore.NodeKey::agentId, NodeDirectoryStore.NodeKey::nodeIndex,
          NodeDirectoryStore.NodeKey::addresses)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("spiffe://example.org/spire/agent/x/a", 1,
              List.of("10.1.0.0/24")));
      // db has a handle but no registration entry: it is not bound (an entry deleted after
      // allocation withdraws its identity the same way).
      assertThat(d.bindings()).containsExactly(
          new Binding(web.handle(), web.identity(), "spiffe://example.org/web", 1,
              List.of(new Selector("k8s", "ns:web"), new Selector("unix", "uid:1000"))));
      assertThat(web.handle()).isEqualTo((1L << 20) | 1);
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void whenEveryIndexIsTakenTheIndexOfAnAgentThatIsGoneIsReclaimed(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      NodeDirectoryStore dir = ds.directory().withMaxNodeIndex(3);
      for (int i = 1; i <= 3; i++) {
        String agent = "spiffe://example.org/spire/agent/x/" + i;
        ds.nodes().put(new AttestedNode(agent, "x", "serial-" + i, 0, "", 0, false, "", 0, List.of()));
        assertThat(dir.register(agent, key(i), List.of()).nodeIndex()).isEqualTo(i);
        ds.entries().create(new RegistrationEntry("", "spiffe://example.org/w/" + i, agent,
            List.of(new Selector("unix", "uid:" + i)), 0, 0, List.of(), false, false, 0, List.of(), 0,
            false, "", 0));
        dir.allocate(i, List.of("spiffe://example.org/w/" + i));
      }
      assertThatThrownBy(() -> dir.register("spiffe://example.org/spire/agent/x/4", key(4), List.of()))
          .isInstanceOf(NodeDirectoryStore.NoFreeNodeIndexException.class)
          .hasMessage("no free node index: all are allocated to attested agents");

      ds.nodes().delete("spiffe://example.org/spire/agent/x/2");
      assertThat(dir.register("spiffe://example.org/spire/agent/x/4", key(4), List.of()).nodeIndex()).isEqualTo(2);
      NodeDirectoryStore.Directory d = dir.directory(SERVER);
      assertThat(d.nodes()).extracting(NodeDirectoryStore.NodeKey::agentId).containsExactly(
          "spiffe://example.org/spire/agent/x/1", "spiffe://example.org/spire/agent/x/4",
          "spiffe://example.org/spire/agent/x/3");
      assertThat(d.bindings()).extracting(Binding::spiffeId)
          .containsExactly("spiffe://example.org/w/1", "spiffe://example.org/w/3");
      assertThat(dir.node("spiffe://example.org/spire/agent/x/2")).isEmpty();
    }
  }

  private static RegistrationEntry entry(String id, String parent, long expiresAt, Selector... selectors) {
    return new RegistrationEntry("", "spiffe://example.org" + id, parent, List.of(selectors), 0, 0,
        List.of(), false, false, expiresAt, List.of(), 0, false, "", 0);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aBindingLastsWhileTheNodeIsAuthorizedForItsIdentity(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      NodeDirectoryStore dir = ds.directory();
      String a = "spiffe://example.org/spire/agent/x/a";
      String b = "spiffe://example.org/spire/agent/x/b";
      attest(ds, a);
      attest(ds, b, new Selector("x", "zone:1"), new Selector("x", "rack:7"));
      int ia = dir.register(a, key(1), List.of()).nodeIndex();
      int ib = dir.register(b, key(2), List.of()).nodeIndex();
      Selector uid = new Selector("unix", "uid:1");
      RegistrationEntry web = ds.entries().create(entry("/web", a, 0, uid));
      // A node alias b matches (its selectors a subset of b's), an entry under it, one under that.
      ds.entries().create(entry("/zone1", SERVER, 0, new Selector("x", "zone:1")));
      ds.entries().create(entry("/api", "spiffe://example.org/zone1", 0, uid));
      ds.entries().create(entry("/api-sidecar", "spiffe://example.org/api", 0, uid));
      // An alias whose selectors are not all b's, and an expired entry.
      ds.entries().create(entry("/zone2", SERVER, 0, new Selector("x", "zone:1"), new Selector("x", "zone:2")));
      ds.entries().create(entry("/other", "spiffe://example.org/zone2", 0, uid));
      ds.entries().create(entry("/old", a, 1, uid));
      for (String id : List.of("/web", "/api", "/other", "/old")) {
        dir.allocate(ia, List.of("spiffe://example.org" + id));
      }
      for (String id : List.of("/web", "/zone1", "/api", "/api-sidecar", "/other")) {
        dir.allocate(ib, List.of("spiffe://example.org" + id));
      }
      assertThat(dir.directory(SERVER).bindings()).extracting(b2 -> b2.nodeIndex() + " " + b2.spiffeId())
          .containsExactlyInAnyOrder(ia + " spiffe://example.org/web", ib + " spiffe://example.org/zone1",
              ib + " spiffe://example.org/api", ib + " spiffe://example.org/api-sidecar");

      // /web moves from a to b: a's binding goes, b's appears.
      ds.entries().update(new RegistrationEntry(web.id(), web.spiffeId(), b, web.selectors(), 0, 0,
          List.of(), false, false, 0, List.of(), 0, false, "", 0));
      assertThat(dir.directory(SERVER).bindings()).extracting(b2 -> b2.nodeIndex() + " " + b2.spiffeId())
          .containsExactlyInAnyOrder(ib + " spiffe://example.org/web", ib + " spiffe://example.org/zone1",
              ib + " spiffe://example.org/api", ib + " spiffe://example.org/api-sidecar");
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void changesThatCanWithdrawBindingsMoveTheDirectoryCounter(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      NodeDirectoryStore dir = ds.directory();
      String a = "spiffe://example.org/spire/agent/x/a";
      String b = "spiffe://example.org/spire/agent/x/b";
      attest(ds, a);
      attest(ds, b);
      Selector uid = new Selector("unix", "uid:1");
      RegistrationEntry web = ds.entries().create(entry("/web", a, 0, uid));
      RegistrationEntry api = ds.entries().create(entry("/api", a, 0, uid));
      long created = dir.revision();

      // A new TTL changes no binding: the counter stays.
      ds.entries().update(new RegistrationEntry(web.id(), web.spiffeId(), a, web.selectors(), 60, 0,
          List.of(), false, false, 0, List.of(), 0, false, "", 0));
      assertThat(dir.revision()).isEqualTo(created);
      // New selectors, a new parent, a new expiry: each moves it.
      ds.entries().update(new RegistrationEntry(web.id(), web.spiffeId(), a,
          List.of(new Selector("unix", "uid:2")), 60, 0, List.of(), false, false, 0, List.of(), 0, false, "", 0));
      assertThat(dir.revision()).isEqualTo(created + 1);
      ds.entries().update(new RegistrationEntry(web.id(), web.spiffeId(), b,
          List.of(new Selector("unix", "uid:2")), 60, 0, List.of(), false, false, 0, List.of(), 0, false, "", 0));
      assertThat(dir.revision()).isEqualTo(created + 2);
      ds.entries().update(new RegistrationEntry(web.id(), web.spiffeId(), b,
          List.of(new Selector("unix", "uid:2")), 60, 0, List.of(), false, false, 4_000_000_000L, List.of(), 0,
          false, "", 0));
      assertThat(dir.revision()).isEqualTo(created + 3);
      // Deleting an entry moves it; deleting one that is not there does not.
      assertThat(ds.entries().delete(api.id())).isPresent();
      assertThat(dir.revision()).isEqualTo(created + 4);
      assertThat(ds.entries().delete(api.id())).isEmpty();
      assertThat(dir.revision()).isEqualTo(created + 4);
      // Banning and evicting an agent move it.
      assertThat(ds.nodes().ban(a)).isTrue();
      assertThat(dir.revision()).isEqualTo(created + 5);
      assertThat(ds.nodes().delete(b)).isTrue();
      assertThat(dir.revision()).isEqualTo(created + 6);
      assertThat(ds.nodes().delete(b)).isFalse();
      assertThat(dir.revision()).isEqualTo(created + 6);
    }
  }
}
