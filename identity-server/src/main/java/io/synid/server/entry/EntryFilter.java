package io.synid.server.entry;

import io.synid.core.selector.Selector;
import java.util.List;
import java.util.Optional;

/**
 * The filters of SPIRE's {@code ListEntries}/{@code CountEntries}. Every present filter must
 * match (they are ANDed).
 */
public record EntryFilter(
    Optional<String> spiffeId,
    Optional<String> parentId,
    Optional<SetFilter<Selector>> selectors,
    Optional<SetFilter<String>> federatesWith,
    Optional<String> hint,
    Optional<Boolean> downstream) {

  public static final EntryFilter ALL =
      new EntryFilter(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), Optional.empty());

  /** How an entry's set is compared with the set given in a filter (SPIRE's match modes). */
  public enum Match {
    /** The entry's set equals the given set. */
    EXACT,
    /** The entry's set is a subset of the given set. */
    SUBSET,
    /** The entry's set is a superset of the given set. */
    SUPERSET,
    /** The entry's set shares at least one element with the given set. */
    ANY
  }

  /** A set of values and the way entries must match it. */
  public record SetFilter<T>(List<T> values, Match match) {
    public SetFilter {
      values = List.copyOf(values);
    }
  }

  public EntryFilter withSpiffeId(String id) {
    return new EntryFilter(Optional.of(id), parentId, selectors, federatesWith, hint, downstream);
  }

  public EntryFilter withParentId(String id) {
    return new EntryFilter(spiffeId, Optional.of(id), selectors, federatesWith, hint, downstream);
  }

  public EntryFilter withSelectors(List<Selector> values, Match match) {
    return new EntryFilter(spiffeId, parentId, Optional.of(new SetFilter<>(values, match)),
        federatesWith, hint, downstream);
  }

  public EntryFilter withFederatesWith(List<String> values, Match match) {
    return new EntryFilter(spiffeId, parentId, selectors,
        Optional.of(new SetFilter<>(values, match)), hint, downstream);
  }

  public EntryFilter withHint(String value) {
    return new EntryFilter(spiffeId, parentId, selectors, federatesWith, Optional.of(value),
        downstream);
  }

  public EntryFilter withDownstream(boolean value) {
    return new EntryFilter(spiffeId, parentId, selectors, federatesWith, hint,
        Optional.of(value));
  }
}
