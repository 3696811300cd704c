package io.synid.server.datastore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.server.datastore.FlowStore.Flow;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FlowAndAuditStoresTest {
  @TempDir Path tmp;

  private static final String WEB = "spiffe://example.org/web";
  private static final String API = "spiffe://example.org/api";
  private static final String DB = "spiffe://example.org/db";

  static List<DatastoreConfig.Kind> kinds() {
    return TestDatastores.kinds();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void reportedDeltasAreSummedPerSourceDestinationAndPort(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      FlowStore flows = ds.flows();
      flows.add(List.of(
          new Flow(WEB, "", API, 8080, 5, 0, 1, 100, 200),
          new Flow(WEB, "", API, 8080, 2, 0, 0, 50, 150),
          new Flow("", "10.0.0.9", API, 8080, 0, 3, 0, 120, 120),
          new Flow(API, "", DB, 5432, 7, 0, 0, 110, 300)));
      flows.add(List.of(new Flow(WEB, "", API, 8080, 1, 1, 1, 90, 400)));

      assertThat(flows.list(FlowStore.Filter.ALL)).containsExactly(
          new Flow("", "10.0.0.9", API, 8080, 0, 3, 0, 120, 120),
          new Flow(WEB, "", API, 8080, 8, 1, 2, 50, 400),
          new Flow(API, "", DB, 5432, 7, 0, 0, 110, 300));
      assertThat(flows.list(new FlowStore.Filter(WEB, "", "", 0, null))).hasSize(1);
      assertThat(flows.list(new FlowStore.Filter("", "10.0.0.9", "", 0, null))).hasSize(1);
      assertThat(flows.list(new FlowStore.Filter("", "", DB, 0, null))).hasSize(1);
      assertThat(flows.list(new FlowStore.Filter("", "", "", 8080, null))).hasSize(2);
      assertThat(flows.list(new FlowStore.Filter("", "", "", 0, FlowStore.Verdict.DENIED)))
          .extracting(Flow::sourceAddress, Flow::sourceSpiffeId)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("10.0.0.9", ""),
              org.assertj.core.groups.Tuple.tuple("", WEB));
      assertThat(flows.list(new FlowStore.Filter("", "", "", 0, FlowStore.Verdict.WOULD_DENY))).hasSize(1);
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void concurrentReportsLoseNoCount(DatastoreConfig.Kind kind) throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      int threads = 4;
      int reports = 25;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        boolean reversed = t % 2 == 1;
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < reports; i++) {
            List<Flow> batch = new ArrayList<>(List.of(new Flow(WEB, "", API, 8080, 1, 0, 0, 10, 20),
                new Flow(API, "", DB, 5432, 1, 0, 0, 10, 20)));
            if (reversed) {
              java.util.Collections.reverse(batch);
            }
            ds.flows().add(batch);
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      assertThat(ds.flows().list(FlowStore.Filter.ALL)).extracting(Flow::allowed)
          .containsExactly((long) threads * reports, (long) threads * reports);
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aResentAuditRecordIsStoredOnceAndGapsHoldTheAcknowledgementBack(DatastoreConfig.Kind kind)
      throws Exception {
    try (Datastore ds = TestDatastores.open(kind, tmp, Clock.systemUTC())) {
      ForwardedAuditStore audit = ds.forwardedAudit();
      String agent = "spiffe://example.org/spire/agent/x/a";
      assertThat(audit.forward(agent, 0, List.of())).isZero();
      assertThat(audit.forward(agent, 1, List.of("r1", "r2", "r3"))).isEqualTo(3);
      // Re-sent after a lost acknowledgement, overlapping with new records.
      assertThat(audit.forward(agent, 2, List.of("r2", "r3", "r4"))).isEqualTo(4);
      assertThat(audit.count(agent)).isEqualTo(4);
      // A gap: 6 and 7 are stored but not acknowledged until 5 arrives.
      assertThat(audit.forward(agent, 6, List.of("r6", "r7"))).isEqualTo(4);
      assertThat(audit.forward(agent, 5, List.of("r5"))).isEqualTo(7);
      assertThat(audit.list(agent, 0, 100)).extracting(ForwardedAuditStore.ForwardedRecord::record)
          .containsExactly("r1", "r2", "r3", "r4", "r5", "r6", "r7");
      // A different record under a stored number is refused, and nothing of that call is stored.
      assertThatThrownBy(() -> audit.forward(agent, 7, List.of("not r7", "r8")))
          .isInstanceOf(ForwardedAuditStore.ConflictingRecordException.class)
          .hasMessage("sequence 7 is already stored with a different record");
      assertThat(audit.count(agent)).isEqualTo(7);
      assertThat(audit.acknowledged(agent)).isEqualTo(7);
      // Another agent's numbers are its own; its first records set where its run starts.
      String other = "spiffe://example.org/spire/agent/x/b";
      assertThat(audit.forward(other, 100, List.of("r100", "r101"))).isEqualTo(101);
      assertThat(audit.count(other)).isEqualTo(2);
    }
  }

  /** A clock the test moves by hand. */
  private static final class ManualClock extends Clock {
    private java.time.Instant now = java.time.Instant.parse("2026-11-01T00:00:00Z");

    void advance(java.time.Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return now;
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void retentionDeletesOldFlowsAndRecordsAndNeverStoresADeletedRecordAgain(
      DatastoreConfig.Kind kind) throws Exception {
    ManualClock clock = new ManualClock();
    try (Datastore ds = TestDatastores.open(kind, tmp, clock)) {
      FlowStore flows = ds.flows();
      flows.add(List.of(new Flow(WEB, "", API, 8080, 1, 0, 0, 100, 200),
          new Flow(API, "", DB, 5432, 1, 0, 0, 100, 300)));
      assertThat(flows.deleteLastSeenBefore(250)).isEqualTo(1);
      assertThat(flows.list(FlowStore.Filter.ALL)).extracting(Flow::destinationSpiffeId)
          .containsExactly(DB);
      assertThat(flows.deleteLastSeenBefore(250)).isZero();

      ForwardedAuditStore audit = ds.forwardedAudit();
      String agent = "spiffe://example.org/spire/agent/x/a";
      audit.forward(agent, 1, List.of("r1", "r2"));
      long old = clock.instant().getEpochSecond();
      clock.advance(java.time.Duration.ofDays(2));
      audit.forward(agent, 3, List.of("r3"));
      assertThat(audit.deleteReceivedBefore(old + 1)).isEqualTo(2);
      assertThat(audit.list(agent, 0, 100)).extracting(ForwardedAuditStore.ForwardedRecord::record)
          .containsExactly("r3");
      // An agent re-sending deleted records (a lost acknowledgement) does not bring them back,
      // and its acknowledgement is unchanged; new records after them are stored.
      assertThat(audit.forward(agent, 1, List.of("r1", "r2", "r3", "r4"))).isEqualTo(4);
      assertThat(audit.list(agent, 0, 100)).extracting(ForwardedAuditStore.ForwardedRecord::record)
          .containsExactly("r3", "r4");
      // A stored record is still protected against a different one under its number.
      assertThatThrownBy(() -> audit.forward(agent, 3, List.of("not r3")))
          .isInstanceOf(ForwardedAuditStore.ConflictingRecordException.class);
    }
  }
}
