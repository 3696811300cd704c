package io.synid.agent.cache;

import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.Selector;
import io.synid.core.bundle.TrustBundle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable snapshot of what the agent can serve: our bundle, federated bundles, the
 * authorized entries and the X509-SVIDs held for them. A new snapshot replaces the old one on
 * every change; readers never see a half-applied sync.
 *
 * @param bundle our trust domain's bundle
 * @param federated federated bundles by trust domain name (only those some entry federates with)
 * @param entries authorized entries by ID
 * @param svids SVIDs by entry ID; an entry may lack one while it is being signed
 * @param ready false until the first sync with the server succeeded
 */
public record AgentState(TrustBundle bundle, Map<String, TrustBundle> federated,
    Map<String, Entry> entries, Map<String, WorkloadSvid> svids, boolean ready) {
  public AgentState {
    federated = Map.copyOf(federated);
    entries = Map.copyOf(entries);
    svids = Map.copyOf(svids);
  }

  /** The state before the first sync: the bootstrap roots only. */
  public static AgentState initial(TrustBundle bundle) {
    return new AgentState(bundle, Map.of(), Map.of(), Map.of(), false);
  }

  /**
   * The SVIDs a workload with {@code workloadSelectors} ({@code type:value} strings) is entitled
   * to: those of every entry whose selectors are all among the workload's (SPIRE's matching),
   * ordered by SPIFFE ID then entry ID so that responses are stable.
   */
  public List<WorkloadSvid> svidsFor(Set<String> workloadSelectors) {
    List<WorkloadSvid> out = new ArrayList<>();
    for (WorkloadSvid svid : svids.values()) {
      if (matches(svid.entry().getSelectorsList(), workloadSelectors)) {
        out.add(svid);
      }
    }
    out.sort((a, b) -> {
      int byId = spiffeId(a.entry()).compareTo(spiffeId(b.entry()));
      return byId != 0 ? byId : a.entry().getId().compareTo(b.entry().getId());
    });
    return out;
  }

  private static boolean matches(Collection<Selector> entrySelectors, Set<String> workload) {
    if (entrySelectors.isEmpty()) {
      return false;
    }
    for (Selector s : entrySelectors) {
      if (!workload.contains(s.getType() + ":" + s.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** The entry's SPIFFE ID as a string. */
  public static String spiffeId(Entry entry) {
    return "spiffe://" + entry.getSpiffeId().getTrustDomain() + entry.getSpiffeId().getPath();
  }

  /** The federated bundles the given SVIDs' entries federate with. */
  public Map<String, TrustBundle> federatedFor(List<WorkloadSvid> held) {
    Map<String, TrustBundle> out = new java.util.TreeMap<>();
    for (WorkloadSvid svid : held) {
      for (String name : svid.entry().getFederatesWithList()) {
        TrustBundle bundle = federated.get(name);
        if (bundle != null) {
          out.put(name, bundle);
        }
      }
    }
    return out;
  }
}
