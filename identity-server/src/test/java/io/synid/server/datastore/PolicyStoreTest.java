package io.synid.server.datastore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.server.datastore.PolicyStore.PolicyChange;
import io.synid.server.datastore.PolicyStore.StoredPolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyStoreTest {
  @TempDir Path tmp;

  static List<DatastoreConfig.Kind> kinds() {
    return TestDatastores.kinds();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void everyChangeGetsTheNextVersionAndARefusalChangesNothing(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      PolicyStore store = ds.policies();
      assertThat(store.state().version()).isZero();
      assertThat(store.update(s -> new PolicyChange(Map.of("a", "yaml a", "b", "yaml b"), Set.of(), Map.of())))
          .isEqualTo(1);
      assertThat(store.update(s -> PolicyChange.NONE)).isEqualTo(1);
      assertThat(store.update(s -> new PolicyChange(Map.of("b", "yaml b2"), Set.of("a"),
          Map.of("spiffe://example.org/db", "enforce")))).isEqualTo(2);
      assertThatThrownBy(() -> store.update(s -> {
        throw new Exception("refused");
      })).hasMessage("refused");
      assertThat(store.state()).isEqualTo(new PolicyStore.PolicyState(2,
          Map.of("b", new StoredPolicy("b", "yaml b2", 2)), Map.of("spiffe://example.org/db", "enforce")));
      assertThat(store.update(s -> new PolicyChange(Map.of(), Set.of(), Map.of("spiffe://example.org/db", ""))))
          .isEqualTo(3);
      assertThat(store.state().modes()).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void concurrentChangesSeeEachOthersResults(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      PolicyStore store = ds.policies();
      int threads = 6;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Long>> versions = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        versions.add(pool.submit(() -> {
          go.await();
          // Each change counts the policies it saw: serialized changes see 0, 1, 2, ...
          return store.update(s -> new PolicyChange(Map.of("p" + s.policies().size(), "n"), Set.of(), Map.of()));
        }));
      }
      go.countDown();
      Set<Long> seen = new HashSet<>();
      for (Future<Long> f : versions) {
        seen.add(f.get());
      }
      pool.shutdown();
      assertThat(seen).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L);
      assertThat(store.state().policies()).hasSize(threads);
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aNewSuggestionSupersedesTheOldOnes(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      PolicyStore store = ds.policies();
      PolicyStore.StoredSuggestion first = store.saveSuggestion("first", 1);
      PolicyStore.StoredSuggestion second = store.saveSuggestion("second", 2);
      assertThat(store.suggestion(first.id())).isEmpty();
      assertThat(store.suggestion(second.id())).contains(second);
      assertThat(store.deleteSuggestion(second.id())).isTrue();
      assertThat(store.suggestion(second.id())).isEmpty();
    }
  }
}
