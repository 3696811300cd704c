package io.synid.policy.suggest;

import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.policy.eval.Source;
import io.synid.policy.eval.Verdict;
import io.synid.policy.model.Cidr;
import io.synid.policy.model.IdentityMatcher;
import io.synid.policy.model.IngressRule;
import io.synid.policy.model.Mode;
import io.synid.policy.model.Peer;
import io.synid.policy.model.Policy;
import io.synid.policy.model.PortRange;
import io.synid.policy.model.PortSet;
import io.synid.policy.model.WorkloadIdentity;
import io.synid.policy.model.Action;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Suggests policies that allow exactly what was observed.
 *
 * <p>Contract: one policy per destination SPIFFE ID, applying to that ID. Its rules allow every
 * observed (source, port) of that destination and, unless {@link SuggestionOptions#groupByPrefix()}
 * is set, nothing else among the identities known: sources are grouped by the exact set of ports
 * they were seen on (one rule per distinct port set), and inside a rule, sources are replaced by a
 * {@code selector} or a {@code spiffe_id_prefix} only when every known identity that the matcher
 * matches was itself a source of that rule. "Known" means the identities passed in plus the
 * observed sources: an identity that does not exist yet may later match a prefix or selector.
 * Unauthenticated sources become host CIDRs. The result is deterministic.
 */
public final class PolicySuggester {

    private PolicySuggester() {}

    /**
     * Suggests policies.
     *
     * @param flows what was observed
     * @param known every identity known to the trust domain (registration entries), for exactness
     * @param options how to suggest
     * @return the policies, ordered by name
     */
    public static List<Policy> suggest(Collection<ObservedFlow> flows, Collection<WorkloadIdentity> known, SuggestionOptions options) {
        Map<SpiffeId, Map<SpiffeId, TreeSet<Integer>>> authenticated = new TreeMap<>();
        Map<SpiffeId, Map<InetAddress, TreeSet<Integer>>> unauthenticated = new TreeMap<>();
        Map<SpiffeId, WorkloadIdentity> universe = new HashMap<>();
        for (WorkloadIdentity w : known) {
            universe.merge(w.spiffeId(), w, PolicySuggester::mergeSelectors);
        }
        for (ObservedFlow f : flows) {
            if (f.verdict() == Verdict.DENIED && !options.includeDenied()) {
                continue;
            }
            SpiffeId dst = f.destination().spiffeId();
            authenticated.computeIfAbsent(dst, k -> new HashMap<>());
            if (f.source() instanceof Source.Authenticated a) {
                universe.merge(a.identity().spiffeId(), a.identity(), PolicySuggester::mergeSelectors);
                authenticated.get(dst).computeIfAbsent(a.identity().spiffeId(), k -> new TreeSet<>()).add(f.port());
            } else if (f.source() instanceof Source.Unauthenticated u) {
                unauthenticated.computeIfAbsent(dst, k -> new HashMap<>())
                        .computeIfAbsent(u.address(), k -> new TreeSet<>()).add(f.port());
            }
        }
        List<Policy> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Map.Entry<SpiffeId, Map<SpiffeId, TreeSet<Integer>>> e : authenticated.entrySet()) {
            SpiffeId dst = e.getKey();
            Map<PortSet, Set<SpiffeId>> byPorts = new HashMap<>();
            e.getValue().forEach((src, ports) -> byPorts.computeIfAbsent(portSet(ports), k -> new TreeSet<>()).add(src));
            Map<PortSet, Set<InetAddress>> unauthByPorts = new HashMap<>();
            unauthenticated.getOrDefault(dst, Map.of()).forEach((ip, ports) ->
                    unauthByPorts.computeIfAbsent(portSet(ports), k -> new HashSet<>()).add(ip));
            Set<PortSet> portSets = new TreeSet<>(Comparator.comparing(PortSet::toString));
            portSets.addAll(byPorts.keySet());
            portSets.addAll(unauthByPorts.keySet());
            List<IngressRule> rules = new ArrayList<>();
            for (PortSet ports : portSets) {
                List<Peer> from = new ArrayList<>();
                from.addAll(collapse(byPorts.getOrDefault(ports, Set.of()), universe, options.groupByPrefix()));
                unauthByPorts.getOrDefault(ports, Set.of()).stream()
                        .map(Cidr::host)
                        .sorted(Comparator.comparing(Cidr::toString))
                        .forEach(c -> from.add(new Peer.Unauthenticated(c)));
                rules.add(new IngressRule(from, ports, Action.ALLOW));
            }
            out.add(new Policy(uniqueName(dst, names), options.mode(), List.of(new IdentityMatcher.ExactId(dst)), rules));
        }
        out.sort(Comparator.comparing(Policy::name));
        return List.copyOf(out);
    }

    private static WorkloadIdentity mergeSelectors(WorkloadIdentity a, WorkloadIdentity b) {
        // Several entries may give one SPIFFE ID: a selector matches it when any entry carries it.
        Set<Selector> all = new HashSet<>(a.selectors());
        all.addAll(b.selectors());
        return new WorkloadIdentity(a.spiffeId(), all);
    }

    private static PortSet portSet(Set<Integer> ports) {
        List<PortRange> ranges = new ArrayList<>();
        for (int p : ports) {
            ranges.add(PortRange.of(p));
        }
        return PortSet.of(ranges);
    }

    /** Replaces groups of sources by selectors or prefixes where exact (greedy, largest first). */
    private static List<Peer> collapse(Set<SpiffeId> sources, Map<SpiffeId, WorkloadIdentity> universe, boolean groupByPrefix) {
        List<Peer> out = new ArrayList<>();
        Set<SpiffeId> left = new TreeSet<>(sources);
        while (left.size() >= 2) {
            IdentityMatcher best = null;
            Set<SpiffeId> bestCovers = Set.of();
            for (IdentityMatcher candidate : candidates(left, universe)) {
                Set<SpiffeId> covers = new TreeSet<>();
                boolean exact = true;
                for (WorkloadIdentity w : universe.values()) {
                    if (candidate.matches(w)) {
                        if (!sources.contains(w.spiffeId())) {
                            exact = false;
                        } else if (left.contains(w.spiffeId())) {
                            covers.add(w.spiffeId());
                        }
                    }
                }
                // Broader than observed only when asked, and then only the sources' direct parent
                // path: the operator asked to group siblings, not to open a whole trust domain.
                boolean broaderAllowed = groupByPrefix && candidate instanceof IdentityMatcher.IdPrefix p
                        && covers.stream().allMatch(id -> parent(id).equals(p.prefix()));
                if ((exact || broaderAllowed) && covers.size() >= 2 && better(candidate, covers, best, bestCovers)) {
                    best = candidate;
                    bestCovers = covers;
                }
            }
            if (best == null) {
                break;
            }
            out.add(new Peer.Identity(best));
            left.removeAll(bestCovers);
        }
        for (SpiffeId id : left) {
            out.add(new Peer.Identity(new IdentityMatcher.ExactId(id)));
        }
        return out;
    }

    /** More covered first; then exact-before-broad is decided by the caller; then a stable order. */
    private static boolean better(IdentityMatcher c, Set<SpiffeId> covers, IdentityMatcher best, Set<SpiffeId> bestCovers) {
        if (best == null || covers.size() != bestCovers.size()) {
            return best == null || covers.size() > bestCovers.size();
        }
        return describe(c).compareTo(describe(best)) < 0;
    }

    private static String describe(IdentityMatcher m) {
        if (m instanceof IdentityMatcher.HasSelector s) {
            return "0" + s.selector();
        }
        if (m instanceof IdentityMatcher.IdPrefix p) {
            // Longer (narrower) prefixes first among equals.
            return "1" + (char) (0xffff - p.prefix().length()) + p.prefix();
        }
        return "2";
    }

    private static String parent(SpiffeId id) {
        String s = id.toString();
        return s.substring(0, s.lastIndexOf('/') + 1);
    }

    private static Set<IdentityMatcher> candidates(Set<SpiffeId> left, Map<SpiffeId, WorkloadIdentity> universe) {
        Set<IdentityMatcher> out = new HashSet<>();
        for (SpiffeId id : left) {
            for (Selector s : universe.get(id).selectors()) {
                out.add(new IdentityMatcher.HasSelector(s));
            }
            String path = id.path();
            int slash = path.lastIndexOf('/');
            while (slash >= 0) {
                out.add(new IdentityMatcher.IdPrefix(id.trustDomain().idString() + path.substring(0, slash + 1)));
                slash = path.lastIndexOf('/', slash - 1);
            }
        }
        return out;
    }

    private static String uniqueName(SpiffeId dst, Set<String> taken) {
        StringBuilder b = new StringBuilder();
        String raw = dst.trustDomain().name() + dst.path().replace('/', '-');
        for (char c : raw.toLowerCase(java.util.Locale.ROOT).toCharArray()) {
            b.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ? c : '-');
        }
        if (b.length() == 0 || !Character.isLetterOrDigit(b.charAt(0))) {
            b.insert(0, 'p');
        }
        String base = b.length() > 100 ? b.substring(0, 100) : b.toString();
        String name = base;
        for (int n = 2; !taken.add(name); n++) {
            name = base + "-" + n;
        }
        return name;
    }
}
