package io.synid.server.datastore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.core.selector.Selector;
import io.synid.server.entry.EntryFilter;
import io.synid.server.entry.EntryFilter.Match;
import io.synid.server.entry.RegistrationEntry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EntryStoreTest {
  @TempDir Path tmp;

  static List<DatastoreConfig.Kind> kinds() {
    return TestDatastores.kinds();
  }

  static RegistrationEntry entry(String spiffe, String parent, String... selectors) {
    List<Selector> sel = new ArrayList<>();
    for (String s : selectors) {
      int i = s.indexOf(':');
      sel.add(new Selector(s.substring(0, i), s.substring(i + 1)));
    }
    return new RegistrationEntry("", "spiffe://example.org/" + spiffe, "spiffe://example.org/" + parent,
        sel, 0, 0, List.of(), false, false, 0, List.of(), 0, false, "", 0);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void createGetUpdateDeleteRoundTrip(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      RegistrationEntry full = new RegistrationEntry("my-entry", "spiffe://example.org/web",
          "spiffe://example.org/node", List.of(new Selector("unix", "uid:1000"), new Selector("k8s", "ns:web")),
          600, 60, List.of("other.org", "third.org"), true, true, 4102444800L,
          List.of("web.example.org", "www.example.org"), 0, true, "frontend", 0);
      RegistrationEntry created = ds.entries().create(full);
      assertThat(created.id()).isEqualTo("my-entry");
      assertThat(created.createdAt()).isPositive();
      RegistrationEntry read = ds.entries().get("my-entry").orElseThrow();
      assertThat(read.sameContentAs(full)).isTrue();
      assertThat(read.dnsNames()).containsExactly("web.example.org", "www.example.org");
      assertThat(read.revisionNumber()).isZero();

      RegistrationEntry changed = new RegistrationEntry("my-entry", "spiffe://example.org/web2",
          "spiffe://example.org/node", List.of(new Selector("unix", "uid:1001")), 0, 0, List.of(), false,
          false, 0, List.of(), 0, false, "", 0);
      RegistrationEntry updated = ds.entries().update(changed).orElseThrow();
      assertThat(updated.revisionNumber()).isEqualTo(1);
      assertThat(updated.createdAt()).isEqualTo(created.createdAt());
      assertThat(ds.entries().get("my-entry").orElseThrow().selectors())
          .containsExactly(new Selector("unix", "uid:1001"));

      assertThat(ds.entries().delete("my-entry")).isPresent();
      assertThat(ds.entries().get("my-entry")).isEmpty();
      assertThat(ds.entries().delete("my-entry")).isEmpty();
      assertThat(ds.entries().update(changed)).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void sameSpiffeIdParentAndSelectorsIsAlreadyExistsWhateverTheOrder(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      RegistrationEntry first = ds.entries().create(entry("a", "node", "unix:uid:1", "unix:gid:2"));
      assertThatThrownBy(() -> ds.entries().create(entry("a", "node", "unix:gid:2", "unix:uid:1")))
          .isInstanceOf(AlreadyExistsException.class)
          .satisfies(e -> assertThat(((AlreadyExistsException) e).existing().id()).isEqualTo(first.id()));
      // A different selector set, parent or ID is a different entry.
      ds.entries().create(entry("a", "node", "unix:uid:1"));
      ds.entries().create(entry("a", "node2", "unix:uid:1", "unix:gid:2"));
      assertThat(ds.entries().count(EntryFilter.ALL)).isEqualTo(3);
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void updateIntoAnExistingEntryIsRefusedAndChangesNothing(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      RegistrationEntry a = ds.entries().create(entry("a", "node", "unix:uid:1"));
      RegistrationEntry b = ds.entries().create(entry("b", "node", "unix:uid:1"));
      RegistrationEntry clash = entry("a", "node", "unix:uid:1").withId(b.id());
      assertThatThrownBy(() -> ds.entries().update(clash)).isInstanceOf(AlreadyExistsException.class);
      assertThat(ds.entries().get(b.id()).orElseThrow().spiffeId()).isEqualTo("spiffe://example.org/b");
      assertThat(ds.entries().get(a.id())).isPresent();
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void concurrentCreationOfTheSameEntryHasExactlyOneWinner(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      int threads = 8;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(pool.submit(() -> {
          start.await();
          try {
            ds.entries().create(entry("same", "node", "unix:uid:7"));
            return true;
          } catch (AlreadyExistsException e) {
            return false;
          }
        }));
      }
      start.countDown();
      int wins = 0;
      for (Future<Boolean> f : results) {
        wins += f.get() ? 1 : 0;
      }
      pool.shutdown();
      assertThat(wins).isEqualTo(1);
      assertThat(ds.entries().count(EntryFilter.ALL)).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void filtersAndMatchModes(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      ds.entries().create(entry("ab", "node", "t:a", "t:b"));
      ds.entries().create(entry("a", "node", "t:a"));
      ds.entries().create(entry("abc", "other", "t:a", "t:b", "t:c"));
      ds.entries().create(entry("c", "other", "t:c"));
      List<Selector> ab = List.of(new Selector("t", "a"), new Selector("t", "b"));
      assertThat(ids(ds, EntryFilter.ALL.withSelectors(ab, Match.EXACT))).containsExactlyInAnyOrder("ab");
      assertThat(ids(ds, EntryFilter.ALL.withSelectors(ab, Match.SUBSET))).containsExactlyInAnyOrder("ab", "a");
      assertThat(ids(ds, EntryFilter.ALL.withSelectors(ab, Match.SUPERSET))).containsExactlyInAnyOrder("ab", "abc");
      assertThat(ids(ds, EntryFilter.ALL.withSelectors(ab, Match.ANY))).containsExactlyInAnyOrder("ab", "a", "abc");
      assertThat(ids(ds, EntryFilter.ALL.withParentId("spiffe://example.org/other"))).containsExactlyInAnyOrder("abc", "c");
      assertThat(ids(ds, EntryFilter.ALL.withSpiffeId("spiffe://example.org/c"))).containsExactly("c");
      assertThat(ids(ds, EntryFilter.ALL.withParentId("spiffe://example.org/other")
          .withSelectors(List.of(new Selector("t", "c")), Match.EXACT))).containsExactly("c");
      assertThat(ds.entries().count(EntryFilter.ALL.withSelectors(ab, Match.ANY))).isEqualTo(3);
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void federatesWithHintAndDownstreamFilters(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      RegistrationEntry base = entry("f", "node", "t:a");
      ds.entries().create(new RegistrationEntry("", base.spiffeId(), base.parentId(), base.selectors(), 0, 0,
          List.of("x.org", "y.org"), false, true, 0, List.of(), 0, false, "h1", 0));
      ds.entries().create(entry("g", "node", "t:a"));
      assertThat(ids(ds, EntryFilter.ALL.withFederatesWith(List.of("x.org"), Match.SUPERSET))).containsExactly("f");
      assertThat(ids(ds, EntryFilter.ALL.withFederatesWith(List.of("x.org"), Match.EXACT))).isEmpty();
      assertThat(ids(ds, EntryFilter.ALL.withFederatesWith(List.of("x.org", "y.org", "z.org"), Match.SUBSET))).containsExactly("f");
      assertThat(ids(ds, EntryFilter.ALL.withHint("h1"))).containsExactly("f");
      assertThat(ids(ds, EntryFilter.ALL.withDownstream(true))).containsExactly("f");
      assertThat(ids(ds, EntryFilter.ALL.withDownstream(false))).containsExactly("g");
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void pagingVisitsEveryEntryOnce(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      List<RegistrationEntry> batch = new ArrayList<>();
      for (int i = 0; i < 1234; i++) {
        batch.add(entry("w" + i, "node", "unix:uid:" + i));
      }
      assertThat(ds.entries().createAll(batch)).allMatch(r -> r instanceof EntryStore.CreateResult.Created);
      List<String> seen = new ArrayList<>();
      String token = "";
      int pages = 0;
      do {
        EntryStore.Page page = ds.entries().list(EntryFilter.ALL, 100, token);
        page.entries().forEach(e -> seen.add(e.id()));
        token = page.nextPageToken();
        pages++;
      } while (!token.isEmpty());
      assertThat(seen).hasSize(1234).doesNotHaveDuplicates();
      assertThat(pages).isEqualTo(13);
    }
  }

  private static List<String> ids(Datastore ds, EntryFilter filter) {
    return ds.entries().list(filter, 0, "").entries().stream()
        .map(e -> e.spiffeId().substring("spiffe://example.org/".length()))
        .collect(Collectors.toList());
  }
}
