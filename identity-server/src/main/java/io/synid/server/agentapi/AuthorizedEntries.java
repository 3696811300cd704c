package io.synid.server.agentapi;

import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.server.datastore.EntryStore;
import io.synid.server.entry.EntryFilter;
import io.synid.server.entry.RegistrationEntry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The registration entries an agent may obtain (SPIRE's authorization): entries whose parent is
 * the agent; node-alias entries (parent {@code spiffe://<td>/spire/server}) whose selectors are a
 * non-empty subset of the agent's node selectors; and, recursively, every entry whose parent is
 * the SPIFFE ID of an entry already included. Expired entries are left out.
 */
final class AuthorizedEntries {
  private final EntryStore entries;
  private final String serverId;
  private final Clock clock;

  AuthorizedEntries(EntryStore entries, TrustDomain trustDomain, Clock clock) {
    this.entries = entries;
    this.serverId = trustDomain.idString() + "/spire/server";
    this.clock = clock;
  }

  /** {@code spiffe://<td>/spire/server}, the parent of node-alias entries. */
  String serverId() {
    return serverId;
  }

  /** The authorized entries, ordered by entry ID. */
  List<RegistrationEntry> forAgent(String agentId, List<Selector> nodeSelectors) {
    long now = clock.instant().getEpochSecond();
    Map<String, RegistrationEntry> found = new LinkedHashMap<>();
    Set<String> parentsSeen = new HashSet<>();
    List<String> frontier = new ArrayList<>();
    frontier.add(agentId);
    parentsSeen.add(agentId);
    if (!nodeSelectors.isEmpty()) {
      Set<Selector> have = new HashSet<>(nodeSelectors);
      List<RegistrationEntry> aliases = entries.list(EntryFilter.ALL.withParentId(serverId)
          .withSelectors(nodeSelectors, EntryFilter.Match.SUBSET), 0, "").entries();
      for (RegistrationEntry alias : aliases) {
        // The filter already matched; checked again so that no storage quirk widens access.
        if (!alias.selectors().isEmpty() && have.containsAll(alias.selectors()) && live(alias, now)) {
          found.put(alias.id(), alias);
          if (parentsSeen.add(alias.spiffeId())) {
            frontier.add(alias.spiffeId());
          }
        }
      }
    }
    while (!frontier.isEmpty()) {
      List<String> next = new ArrayList<>();
      for (RegistrationEntry child : entries.listByParentIds(frontier)) {
        if (!live(child, now) || found.putIfAbsent(child.id(), child) != null) {
          continue;
        }
        if (parentsSeen.add(child.spiffeId())) {
          next.add(child.spiffeId());
        }
      }
      frontier = next;
    }
    List<RegistrationEntry> result = new ArrayList<>(found.values());
    result.sort(Comparator.comparing(RegistrationEntry::id));
    return result;
  }

  private static boolean live(RegistrationEntry entry, long now) {
    return entry.expiresAt() == 0 || entry.expiresAt() > now;
  }
}
