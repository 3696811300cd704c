package io.synid.policy.compile;

import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.policy.model.Action;
import io.synid.policy.model.Cidr;
import io.synid.policy.model.IdentityMatcher;
import io.synid.policy.model.IngressRule;
import io.synid.policy.model.Mode;
import io.synid.policy.model.Peer;
import io.synid.policy.model.Policy;
import io.synid.policy.model.PolicySet;
import io.synid.policy.model.PortSet;
import io.synid.policy.model.RuleId;
import io.synid.policy.model.WorkloadIdentity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Compiles policies over an {@link IdentityDirectory} into {@link CompiledTables} and keeps them
 * up to date: every change returns the {@link TableDelta} that turns the previous tables into the
 * new ones, so the datapath is written only where something changed.
 *
 * <p>Contract: after any sequence of changes, {@link #tables()} equals what {@link #create} would
 * compile from the current policies and directory, and the decisions it encodes are those of
 * {@link io.synid.policy.eval.PolicyEvaluator} (explicit deny wins; rule ids are the first allow
 * or deny rule in policy-name, rule order). Not thread-safe: one owner applies changes in order.
 *
 * <p>Implementation notes. Verdicts are computed per (source, destination) pair as the set of
 * allowed ports (the union of matching allow rules minus the union of matching deny rules), then
 * encoded for the datapath's lookup (exact port, then wildcard) with whichever encoding needs
 * fewer entries: one ALLOW per allowed port, or a wildcard ALLOW plus one DENY per refused port.
 * A pair with nothing allowed gets no entry (the datapath refuses missing pairs). A full compile
 * walks each protected destination's rules and finds matching sources through indexes (exact ID,
 * selector, and a sorted map for ID prefixes); an identity change recomputes that identity's row
 * (one pair per protected destination) and, when it is protected, its column; a policy change
 * recomputes the columns of the destinations it applied to before or after.
 */
public final class PolicyCompiler {

    private final TreeMap<String, Policy> policies = new TreeMap<>();
    private final Map<Integer, WorkloadIdentity> identities = new HashMap<>();
    private final Set<Integer> protectedIds = new HashSet<>();
    private final Map<SpiffeId, Set<Integer>> byId = new HashMap<>();
    private final Map<Selector, Set<Integer>> bySelector = new HashMap<>();
    private final TreeMap<String, Set<Integer>> byIdString = new TreeMap<>();
    /** Protected destination -> applying policies, in name order. */
    private final Map<Integer, List<Policy>> applicable = new HashMap<>();
    /** Protected destination -> source -> port (0 = wildcard) -> entry. */
    private final Map<Integer, Map<Integer, Map<Integer, VerdictEntry>>> columns = new HashMap<>();
    private final Map<Integer, Map<Cidr, CidrEntry>> cidr = new HashMap<>();
    private final Map<Integer, Mode> modes = new HashMap<>();

    private PolicyCompiler() {}

    /** Compiles {@code policies} over {@code directory} from scratch. */
    public static PolicyCompiler create(PolicySet policies, IdentityDirectory directory) {
        return create(policies.policies(), directory);
    }

    /** Compiles {@code policies} (names unique) over {@code directory} from scratch. */
    public static PolicyCompiler create(Collection<Policy> policies, IdentityDirectory directory) {
        Objects.requireNonNull(directory, "directory");
        PolicyCompiler c = new PolicyCompiler();
        for (Policy p : policies) {
            if (c.policies.put(p.name(), p) != null) {
                throw new IllegalArgumentException("duplicate policy name: " + p.name());
            }
        }
        directory.identities().forEach(c::index);
        c.protectedIds.addAll(directory.protectedIdentities());
        // Find each policy's destinations through the indexes rather than testing every policy
        // against every destination.
        Map<Integer, List<Policy>> apply = new HashMap<>();
        Set<Integer> targets = new HashSet<>();
        for (Policy p : c.policies.values()) {
            targets.clear();
            for (IdentityMatcher m : p.appliesTo()) {
                c.sourcesOf(m, targets);
            }
            for (int dst : targets) {
                if (c.protectedIds.contains(dst)) {
                    apply.computeIfAbsent(dst, k -> new ArrayList<>()).add(p);
                }
            }
        }
        Delta ignored = new Delta();
        for (int dst : c.protectedIds) {
            c.recomputeColumn(dst, apply.getOrDefault(dst, List.of()), ignored);
        }
        return c;
    }

    /** A snapshot of the current tables (costs a copy of them). */
    public CompiledTables tables() {
        Map<VerdictKey, VerdictEntry> v = new HashMap<>();
        columns.forEach((dst, col) -> col.forEach((src, ports) -> ports.forEach((port, e) -> v.put(new VerdictKey(src, dst, port), e))));
        Map<CidrKey, CidrEntry> c = new HashMap<>();
        cidr.forEach((dst, rules) -> rules.forEach((prefix, e) -> c.put(new CidrKey(dst, prefix), e)));
        return new CompiledTables(v, c, modes);
    }

    /** Number of verdict entries currently compiled. */
    public int verdictCount() {
        int n = 0;
        for (Map<Integer, Map<Integer, VerdictEntry>> col : columns.values()) {
            for (Map<Integer, VerdictEntry> ports : col.values()) {
                n += ports.size();
            }
        }
        return n;
    }

    /** Adds a policy or replaces the one with the same name. */
    public TableDelta putPolicy(Policy policy) {
        Objects.requireNonNull(policy, "policy");
        Policy old = policies.put(policy.name(), policy);
        return policyChanged(old, policy);
    }

    /** Removes a policy; nothing changes when there is none of that name. */
    public TableDelta removePolicy(String name) {
        Policy old = policies.remove(Objects.requireNonNull(name, "name"));
        return old == null ? TableDelta.EMPTY : policyChanged(old, null);
    }

    /** Replaces all policies with {@code next}: the delta of every removal, change and addition together. */
    public TableDelta replacePolicies(PolicySet next) {
        Set<Integer> affected = new HashSet<>();
        Map<String, Policy> wanted = new HashMap<>();
        for (Policy p : next.policies()) {
            wanted.put(p.name(), p);
        }
        for (Policy old : List.copyOf(policies.values())) {
            if (!old.equals(wanted.get(old.name()))) {
                affected.addAll(protectedMatching(old));
                policies.remove(old.name());
            }
        }
        for (Policy p : next.policies()) {
            if (!p.equals(policies.get(p.name()))) {
                policies.put(p.name(), p);
                affected.addAll(protectedMatching(p));
            }
        }
        Delta d = new Delta();
        for (int dst : affected) {
            recomputeColumn(dst, d);
        }
        return d.build();
    }

    /**
     * Adds an identity or replaces the one with the same number (new selectors, or a change of
     * protection).
     */
    public TableDelta putIdentity(int number, WorkloadIdentity identity, boolean isProtected) {
        IdentityDirectory.checkNumber(number);
        Objects.requireNonNull(identity, "identity");
        WorkloadIdentity old = identities.get(number);
        boolean wasProtected = protectedIds.contains(number);
        if (identity.equals(old) && wasProtected == isProtected) {
            return TableDelta.EMPTY;
        }
        if (old != null) {
            unindex(number, old);
        }
        index(number, identity);
        Delta d = new Delta();
        if (isProtected) {
            protectedIds.add(number);
        } else if (wasProtected) {
            protectedIds.remove(number);
            dropColumn(number, d);
        }
        recomputeRow(number, d);
        if (isProtected) {
            recomputeColumn(number, d);
        }
        return d.build();
    }

    /** Removes an identity: its row, and its column when it was protected. */
    public TableDelta removeIdentity(int number) {
        WorkloadIdentity old = identities.get(number);
        if (old == null) {
            return TableDelta.EMPTY;
        }
        unindex(number, old);
        Delta d = new Delta();
        if (protectedIds.remove(number)) {
            dropColumn(number, d);
        }
        for (Map.Entry<Integer, Map<Integer, Map<Integer, VerdictEntry>>> col : columns.entrySet()) {
            Map<Integer, VerdictEntry> gone = col.getValue().remove(number);
            if (gone != null) {
                for (int port : gone.keySet()) {
                    d.delete(new VerdictKey(number, col.getKey(), port));
                }
            }
        }
        return d.build();
    }

    // ---- internals ----

    private TableDelta policyChanged(Policy old, Policy now) {
        Set<Integer> affected = new LinkedHashSet<>();
        if (old != null) {
            affected.addAll(protectedMatching(old));
        }
        if (now != null) {
            affected.addAll(protectedMatching(now));
        }
        Delta d = new Delta();
        for (int dst : affected) {
            recomputeColumn(dst, d);
        }
        return d.build();
    }

    private List<Integer> protectedMatching(Policy p) {
        List<Integer> out = new ArrayList<>();
        for (int dst : protectedIds) {
            if (p.appliesTo(identities.get(dst))) {
                out.add(dst);
            }
        }
        return out;
    }

    private void index(int number, WorkloadIdentity id) {
        identities.put(number, id);
        byId.computeIfAbsent(id.spiffeId(), k -> new HashSet<>()).add(number);
        byIdString.computeIfAbsent(id.spiffeId().toString(), k -> new HashSet<>()).add(number);
        for (Selector s : id.selectors()) {
            bySelector.computeIfAbsent(s, k -> new HashSet<>()).add(number);
        }
    }

    private void unindex(int number, WorkloadIdentity id) {
        identities.remove(number);
        removeFrom(byId, id.spiffeId(), number);
        removeFrom(byIdString, id.spiffeId().toString(), number);
        for (Selector s : id.selectors()) {
            removeFrom(bySelector, s, number);
        }
    }

    private static <K> void removeFrom(Map<K, Set<Integer>> index, K key, int number) {
        Set<Integer> set = index.get(key);
        if (set != null && set.remove(number) && set.isEmpty()) {
            index.remove(key);
        }
    }

    /** Sources matched by an identity matcher, through the indexes. */
    private void sourcesOf(IdentityMatcher m, Set<Integer> out) {
        if (m instanceof IdentityMatcher.ExactId e) {
            out.addAll(byId.getOrDefault(e.spiffeId(), Set.of()));
        } else if (m instanceof IdentityMatcher.HasSelector s) {
            out.addAll(bySelector.getOrDefault(s.selector(), Set.of()));
        } else if (m instanceof IdentityMatcher.IdPrefix p) {
            // SPIFFE IDs are ASCII, so every string with this prefix sorts before prefix + U+FFFF.
            for (Set<Integer> set : byIdString.subMap(p.prefix(), true, p.prefix() + '\uffff', false).values()) {
                out.addAll(set);
            }
        }
    }

    /** A rule that matched a pair, in decision order. */
    private record Match(RuleId rule, Action action, PortSet ports) {}

    private List<Policy> applicableTo(int dst) {
        WorkloadIdentity id = identities.get(dst);
        List<Policy> out = new ArrayList<>();
        for (Policy p : policies.values()) {
            if (p.appliesTo(id)) {
                out.add(p);
            }
        }
        return out;
    }

    private void recomputeColumn(int dst, Delta d) {
        recomputeColumn(dst, applicableTo(dst), d);
    }

    private void recomputeColumn(int dst, List<Policy> apply, Delta d) {
        applicable.put(dst, apply);
        Mode mode = Mode.MONITOR;
        Map<Integer, List<Match>> matches = new HashMap<>();
        List<CidrMatch> cidrMatches = new ArrayList<>();
        Set<Integer> sources = new HashSet<>();
        for (Policy p : apply) {
            if (p.mode() == Mode.ENFORCE) {
                mode = Mode.ENFORCE;
            }
            for (int i = 0; i < p.ingress().size(); i++) {
                IngressRule r = p.ingress().get(i);
                RuleId id = p.ruleId(i);
                sources.clear();
                for (Peer peer : r.from()) {
                    if (peer instanceof Peer.Identity pi) {
                        sourcesOf(pi.matcher(), sources);
                    } else if (peer instanceof Peer.Unauthenticated u) {
                        cidrMatches.add(new CidrMatch(u.cidr(), new Match(id, r.action(), r.ports())));
                    }
                }
                Match m = new Match(id, r.action(), r.ports());
                for (int src : sources) {
                    matches.computeIfAbsent(src, k -> new ArrayList<>(2)).add(m);
                }
            }
        }
        Map<Integer, Map<Integer, VerdictEntry>> column = new HashMap<>();
        matches.forEach((src, list) -> {
            Map<Integer, VerdictEntry> e = encode(list);
            if (!e.isEmpty()) {
                column.put(src, e);
            }
        });
        Map<Integer, Map<Integer, VerdictEntry>> before = columns.getOrDefault(dst, Map.of());
        for (Map.Entry<Integer, Map<Integer, VerdictEntry>> e : column.entrySet()) {
            d.pair(e.getKey(), dst, before.getOrDefault(e.getKey(), Map.of()), e.getValue());
        }
        for (Map.Entry<Integer, Map<Integer, VerdictEntry>> e : before.entrySet()) {
            if (!column.containsKey(e.getKey())) {
                d.pair(e.getKey(), dst, e.getValue(), Map.of());
            }
        }
        columns.put(dst, column);
        Map<Cidr, CidrEntry> rules = resolveCidr(cidrMatches);
        d.cidr(dst, cidr.getOrDefault(dst, Map.of()), rules);
        cidr.put(dst, rules);
        if (modes.put(dst, mode) != mode) {
            d.mode(dst, mode);
        }
    }

    private void dropColumn(int dst, Delta d) {
        applicable.remove(dst);
        Map<Integer, Map<Integer, VerdictEntry>> column = columns.remove(dst);
        if (column != null) {
            column.forEach((src, ports) -> d.pair(src, dst, ports, Map.of()));
        }
        Map<Cidr, CidrEntry> rules = cidr.remove(dst);
        if (rules != null) {
            d.cidr(dst, rules, Map.of());
        }
        if (modes.remove(dst) != null) {
            d.modeDeleted(dst);
        }
    }

    /** Recomputes the pairs (src, every protected destination) by matching src directly. */
    private void recomputeRow(int src, Delta d) {
        WorkloadIdentity id = identities.get(src);
        for (int dst : protectedIds) {
            List<Match> list = new ArrayList<>(2);
            for (Policy p : applicable.getOrDefault(dst, List.of())) {
                for (int i = 0; i < p.ingress().size(); i++) {
                    IngressRule r = p.ingress().get(i);
                    for (Peer peer : r.from()) {
                        if (peer instanceof Peer.Identity pi && pi.matcher().matches(id)) {
                            list.add(new Match(p.ruleId(i), r.action(), r.ports()));
                            break;
                        }
                    }
                }
            }
            Map<Integer, Map<Integer, VerdictEntry>> column = columns.computeIfAbsent(dst, k -> new HashMap<>());
            Map<Integer, VerdictEntry> now = encode(list);
            Map<Integer, VerdictEntry> before = now.isEmpty() ? column.remove(src) : column.put(src, now);
            d.pair(src, dst, before == null ? Map.of() : before, now);
        }
    }

    /** Encodes one pair's matches (in decision order) into verdict entries keyed by port. */
    static Map<Integer, VerdictEntry> encode(List<Match> matches) {
        PortSet allowed = PortSet.EMPTY;
        PortSet denied = PortSet.EMPTY;
        Match firstAllow = null;
        for (Match m : matches) {
            if (m.action() == Action.ALLOW) {
                allowed = allowed.union(m.ports());
            } else {
                denied = denied.union(m.ports());
            }
        }
        PortSet effective = allowed.minus(denied);
        if (effective.isEmpty()) {
            return Map.of();
        }
        for (Match m : matches) {
            if (m.action() == Action.ALLOW && m.ports().intersects(effective)) {
                firstAllow = m;
                break;
            }
        }
        Map<Integer, VerdictEntry> out = new HashMap<>();
        if (effective.isAll()) {
            out.put(VerdictKey.ANY_PORT, new VerdictEntry(TableVerdict.ALLOW, Optional.of(firstAllow.rule())));
            return out;
        }
        PortSet refused = effective.complement();
        if (effective.size() <= 1 + refused.size()) {
            effective.forEachPort(port -> out.put(port, new VerdictEntry(TableVerdict.ALLOW, first(matches, Action.ALLOW, port))));
        } else {
            out.put(VerdictKey.ANY_PORT, new VerdictEntry(TableVerdict.ALLOW, Optional.of(firstAllow.rule())));
            refused.forEachPort(port -> out.put(port, new VerdictEntry(TableVerdict.DENY, first(matches, Action.DENY, port))));
        }
        return out;
    }

    private static Optional<RuleId> first(List<Match> matches, Action action, int port) {
        for (Match m : matches) {
            if (m.action() == action && m.ports().contains(port)) {
                return Optional.of(m.rule());
            }
        }
        return Optional.empty();
    }

    private record CidrMatch(Cidr cidr, Match match) {}

    /**
     * Resolves deny-wins over nested prefixes: prefixes either nest or are disjoint, so an address
     * whose longest listed prefix is P is matched by exactly the rules whose prefix contains P.
     */
    static Map<Cidr, CidrEntry> resolveCidr(List<CidrMatch> matches) {
        Map<Cidr, CidrEntry> out = new HashMap<>();
        Set<Cidr> prefixes = new LinkedHashSet<>();
        for (CidrMatch m : matches) {
            prefixes.add(m.cidr());
        }
        for (Cidr p : prefixes) {
            PortSet allowed = PortSet.EMPTY;
            PortSet denied = PortSet.EMPTY;
            RuleId firstAllow = null;
            RuleId firstDeny = null;
            for (CidrMatch m : matches) {
                if (!m.cidr().contains(p)) {
                    continue;
                }
                if (m.match().action() == Action.ALLOW) {
                    allowed = allowed.union(m.match().ports());
                } else {
                    denied = denied.union(m.match().ports());
                }
            }
            PortSet effective = allowed.minus(denied);
            for (CidrMatch m : matches) {
                if (!m.cidr().contains(p)) {
                    continue;
                }
                if (m.match().action() == Action.ALLOW && firstAllow == null && m.match().ports().intersects(effective)) {
                    firstAllow = m.match().rule();
                }
                if (m.match().action() == Action.DENY && firstDeny == null) {
                    firstDeny = m.match().rule();
                }
            }
            out.put(p, new CidrEntry(effective, Optional.ofNullable(effective.isEmpty() ? firstDeny : firstAllow)));
        }
        return out;
    }

    /** Accumulates one change's delta; a later operation on a key overrides an earlier one. */
    private static final class Delta {
        final Map<VerdictKey, VerdictEntry> puts = new LinkedHashMap<>();
        final Set<VerdictKey> deletes = new LinkedHashSet<>();
        final Map<CidrKey, CidrEntry> cidrPuts = new LinkedHashMap<>();
        final Set<CidrKey> cidrDeletes = new LinkedHashSet<>();
        final Map<Integer, Mode> modePuts = new LinkedHashMap<>();
        final Set<Integer> modeDeletes = new LinkedHashSet<>();

        void pair(int src, int dst, Map<Integer, VerdictEntry> before, Map<Integer, VerdictEntry> after) {
            for (Map.Entry<Integer, VerdictEntry> e : after.entrySet()) {
                if (!e.getValue().equals(before.get(e.getKey()))) {
                    VerdictKey k = new VerdictKey(src, dst, e.getKey());
                    deletes.remove(k);
                    puts.put(k, e.getValue());
                }
            }
            for (int port : before.keySet()) {
                if (!after.containsKey(port)) {
                    delete(new VerdictKey(src, dst, port));
                }
            }
        }

        void delete(VerdictKey k) {
            puts.remove(k);
            deletes.add(k);
        }

        void cidr(int dst, Map<Cidr, CidrEntry> before, Map<Cidr, CidrEntry> after) {
            for (Map.Entry<Cidr, CidrEntry> e : after.entrySet()) {
                if (!e.getValue().equals(before.get(e.getKey()))) {
                    CidrKey k = new CidrKey(dst, e.getKey());
                    cidrDeletes.remove(k);
                    cidrPuts.put(k, e.getValue());
                }
            }
            for (Cidr c : before.keySet()) {
                if (!after.containsKey(c)) {
                    CidrKey k = new CidrKey(dst, c);
                    cidrPuts.remove(k);
                    cidrDeletes.add(k);
                }
            }
        }

        void mode(int dst, Mode mode) {
            modeDeletes.remove(dst);
            modePuts.put(dst, mode);
        }

        void modeDeleted(int dst) {
            modePuts.remove(dst);
            modeDeletes.add(dst);
        }

        TableDelta build() {
            return new TableDelta(puts, deletes, cidrPuts, cidrDeletes, modePuts, modeDeletes);
        }
    }
}
