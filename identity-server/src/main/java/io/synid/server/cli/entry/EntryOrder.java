package io.synid.server.cli.entry;

import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.Selector;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The order in which SPIRE's {@code entry show} prints entries: by SPIFFE ID (trust domain, then
 * path), parent ID, X509-SVID TTL, JWT-SVID TTL, then selector count and selectors, with each
 * entry's selectors sorted by type and value.
 */
final class EntryOrder {
  static final Comparator<Selector> SELECTORS =
      Comparator.comparing(Selector::getType).thenComparing(Selector::getValue);

  private static final Comparator<Entry> ENTRIES = Comparator
      .comparing((Entry e) -> e.getSpiffeId().getTrustDomain())
      .thenComparing(e -> e.getSpiffeId().getPath())
      .thenComparing(e -> e.getParentId().getTrustDomain())
      .thenComparing(e -> e.getParentId().getPath())
      .thenComparingInt(Entry::getX509SvidTtl)
      .thenComparingInt(Entry::getJwtSvidTtl)
      .thenComparing(EntryOrder::compareSelectors);

  private EntryOrder() {}

  static List<Entry> sorted(List<Entry> entries) {
    List<Entry> out = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      List<Selector> selectors = new ArrayList<>(e.getSelectorsList());
      selectors.sort(SELECTORS);
      out.add(e.toBuilder().clearSelectors().addAllSelectors(selectors).build());
    }
    out.sort(ENTRIES);
    return out;
  }

  private static int compareSelectors(Entry a, Entry b) {
    int c = Integer.compare(a.getSelectorsCount(), b.getSelectorsCount());
    for (int i = 0; c == 0 && i < a.getSelectorsCount(); i++) {
      c = SELECTORS.compare(a.getSelectors(i), b.getSelectors(i));
    }
    return c;
  }
}
