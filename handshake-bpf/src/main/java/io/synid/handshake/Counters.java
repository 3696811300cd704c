package io.synid.handshake;

import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of the kernel's counters, summed over CPUs.
 *
 * @param values every counter
 */
public record Counters(Map<Counter, Long> values) {

  /** Copies the map. */
  public Counters {
    values = Map.copyOf(new EnumMap<>(values));
  }

  /** One counter's value. */
  public long get(Counter counter) {
    return values.getOrDefault(counter, 0L);
  }
}
