package io.synid.server.datastore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class JoinTokenStoreTest {
  @TempDir Path tmp;

  static List<DatastoreConfig.Kind> kinds() {
    return TestDatastores.kinds();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aTokenIsRedeemedOnceEvenUnderARace(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      for (int round = 0; round < 20; round++) {
        String token = "token-" + round;
        ds.joinTokens().create(token, Instant.now().plusSeconds(600));
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          results.add(pool.submit(() -> {
            go.await();
            return ds.joinTokens().redeem(token);
          }));
        }
        go.countDown();
        int winners = 0;
        for (Future<Boolean> f : results) {
          winners += f.get() ? 1 : 0;
        }
        pool.shutdown();
        assertThat(winners).as("round %d", round).isEqualTo(1);
        assertThat(ds.joinTokens().exists(token)).isFalse();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void expiredAndUnknownTokensAreRefused(DatastoreConfig.Kind kind) throws Exception {
    Clock clock = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
    try (Datastore ds = TestDatastores.open(kind, tmp, clock)) {
      ds.joinTokens().create("old", clock.instant().minusSeconds(1));
      assertThat(ds.joinTokens().redeem("old")).isFalse();
      assertThat(ds.joinTokens().exists("old")).isFalse();
      assertThat(ds.joinTokens().redeem("never-issued")).isFalse();
    }
  }
}
