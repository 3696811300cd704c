package io.synid.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Closed-loop load: an operation called back to back on N threads for a fixed time. */
final class Throughput {
  private Throughput() {}

  /** What one run measured: operations completed, the wall time, and every latency. */
  record Result(long operations, double seconds, Latencies latencies) {
    double perSecond() {
      return operations / seconds;
    }
  }

  /**
   * Runs {@code op} for a fifth of {@code seconds} (at least one) unmeasured, so the JIT and any
   * caches on either side are warm, then for {@code seconds} measured.
   *
   * @throws Exception the first exception {@code op} threw; the run stops there
   */
  static Result measure(int threads, int seconds, Callable<?> op) throws Exception {
    warmUp(threads, seconds, op);
    return runFor(threads, seconds, op);
  }

  /** The unmeasured part of {@link #measure}, for callers that sample something in between. */
  static void warmUp(int threads, int seconds, Callable<?> op) throws Exception {
    runFor(threads, Math.max(1, seconds / 5), op);
  }

  /** Runs {@code op} on {@code threads} threads until {@code seconds} have passed. */
  static Result runFor(int threads, int seconds, Callable<?> op) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long start = System.nanoTime();
      long end = start + seconds * 1_000_000_000L;
      List<Future<Latencies>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          Latencies l = new Latencies();
          while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            op.call();
            l.add(System.nanoTime() - t0);
          }
          return l;
        }));
      }
      Latencies all = new Latencies();
      for (Future<Latencies> f : futures) {
        all.addAll(f.get());
      }
      return new Result(all.count(), (System.nanoTime() - start) / 1e9, all);
    } finally {
      pool.shutdownNow();
    }
  }
}
