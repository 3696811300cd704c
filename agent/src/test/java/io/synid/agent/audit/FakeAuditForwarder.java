package io.synid.agent.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A server for tests: stores records by sequence number, ignores the ones it has, acknowledges
 * through the last stored, and accepts a request that starts after a gap (the agent announced the
 * gap with audit_dropped). Failures can be injected: down, failing before storing, storing then
 * failing (a lost answer), and storing only part of a request.
 */
public final class FakeAuditForwarder implements AuditForwarder {
  private final TreeMap<Long, String> stored = new TreeMap<>();
  private final List<long[]> gaps = new ArrayList<>();
  private final Random random;
  private long acked;
  private long calls;
  private long offered;
  private long duplicatesOffered;
  private long conflicts;
  private long badSequence;
  private volatile boolean down;
  private volatile double failBefore;
  private volatile double failAfter;
  private volatile double partial;

  public FakeAuditForwarder(long seed) {
    this.random = new Random(seed);
  }

  /** Fails every call while down. */
  public FakeAuditForwarder down(boolean down) {
    this.down = down;
    return this;
  }

  /** Probabilities of failing before storing, after storing, and of storing only a prefix. */
  public FakeAuditForwarder failures(double before, double after, double partial) {
    this.failBefore = before;
    this.failAfter = after;
    this.partial = partial;
    return this;
  }

  @Override
  public synchronized long forward(long first, List<String> records)
      throws AuditForwardException {
    calls++;
    if (down) {
      throw new AuditForwardException("server down", null);
    }
    if (random.nextDouble() < failBefore) {
      throw new AuditForwardException("injected failure before storing", null);
    }
    int n = records.size();
    if (random.nextDouble() < partial) {
      n = random.nextInt(records.size());
    }
    for (int i = 0; i < n; i++) {
      long seq = first + i;
      String json = records.get(i);
      offered++;
      if (AuditRecords.summary(json).seq() != seq) {
        badSequence++;
      }
      String had = stored.get(seq);
      if (had != null) {
        duplicatesOffered++;
        if (!had.equals(json)) {
          conflicts++;
        }
        continue;
      }
      if (seq <= acked) {
        continue;
      }
      if (seq != acked + 1) {
        gaps.add(new long[] {acked + 1, seq - 1});
      }
      stored.put(seq, json);
      acked = seq;
    }
    if (random.nextDouble() < failAfter) {
      throw new AuditForwardException("injected failure after storing (answer lost)", null);
    }
    return acked;
  }

  public synchronized Map<Long, String> stored() {
    return new TreeMap<>(stored);
  }

  public synchronized long acked() {
    return acked;
  }

  public synchronized List<long[]> gaps() {
    return new ArrayList<>(gaps);
  }

  public synchronized long calls() {
    return calls;
  }

  public synchronized long offered() {
    return offered;
  }

  public synchronized long duplicatesOffered() {
    return duplicatesOffered;
  }

  /** Same sequence number offered with different content: must never happen. */
  public synchronized long conflicts() {
    return conflicts;
  }

  /** Records whose {@code seq} field differs from their position in the request. */
  public synchronized long badSequence() {
    return badSequence;
  }
}
