package io.synid.harness;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The statistics of the same-run benchmarks against plain TCP: each round measures a baseline
 * block and a candidate block, and what is reported is the median of the per-round ratios
 * (candidate / baseline) with the smallest and largest in brackets. On a shared machine one
 * block can be several times slower than the next for reasons of its own; a median of ratios of
 * neighbouring blocks is what such outliers move least.
 */
public final class Ratios {

  private Ratios() {}

  /** The median (the upper one for an even count) of {@code f} over {@code blocks}. */
  public static <T> double median(List<T> blocks, ToDoubleFunction<T> f) {
    double[] v = blocks.stream().mapToDouble(f).sorted().toArray();
    return v[v.length / 2];
  }

  /** Per-round ratios {@code f(candidate) / f(baseline)}, sorted. */
  public static <T> double[] perRound(List<T> baseline, List<T> candidate,
      ToDoubleFunction<T> f) {
    if (baseline.size() != candidate.size() || baseline.isEmpty()) {
      throw new IllegalArgumentException("one baseline and one candidate block per round");
    }
    double[] r = new double[baseline.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = f.applyAsDouble(candidate.get(i)) / f.applyAsDouble(baseline.get(i));
    }
    Arrays.sort(r);
    return r;
  }

  /** {@code 0.950x (0.90-1.00)}: the median of sorted ratios and their range. */
  public static String cell(double[] sortedRatios) {
    return String.format(Locale.ROOT, "%.3fx (%.2f-%.2f)", sortedRatios[sortedRatios.length / 2],
        sortedRatios[0], sortedRatios[sortedRatios.length - 1]);
  }
}
