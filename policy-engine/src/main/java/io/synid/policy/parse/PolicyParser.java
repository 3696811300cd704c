package io.synid.policy.parse;

import io.synid.core.selector.InvalidSelectorException;
import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.policy.model.Action;
import io.synid.policy.model.Cidr;
import io.synid.policy.model.IdentityMatcher;
import io.synid.policy.model.IngressRule;
import io.synid.policy.model.Mode;
import io.synid.policy.model.Peer;
import io.synid.policy.model.Policy;
import io.synid.policy.model.PolicySet;
import io.synid.policy.model.PortRange;
import io.synid.policy.model.PortSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses and validates policy files (format in docs/policy.md).
 *
 * <p>Contract: pure. Either every policy of every source is valid and the whole set is returned,
 * or {@link InvalidPolicyException} lists every error found (file, line, column, field path,
 * message; at most {@value #MAX_ERRORS}), and nothing else happens. A source larger than
 * {@value #MAX_FILE_BYTES} bytes is refused without being parsed; a set holding more than
 * {@value #MAX_RULES} rules is refused before its rules are validated.
 */
public final class PolicyParser {

    /** Largest accepted source, in bytes (1 MiB). */
    public static final int MAX_FILE_BYTES = 1 << 20;
    /** Most rules accepted in one set of sources. */
    public static final int MAX_RULES = 10_000;
    /** Most errors reported; parsing stops collecting after that many. */
    public static final int MAX_ERRORS = 100;

    static final String EGRESS_NOT_SUPPORTED = "egress rules are not supported yet: only ingress rules are enforced";

    private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,5}");
    private static final Pattern RANGE = Pattern.compile("([0-9]{1,6})-([0-9]{1,6})");
    private static final List<String> POLICY_FIELDS = List.of("name", "mode", "applies_to", "ingress", "egress");
    private static final List<String> MATCHER_FIELDS = List.of("spiffe_id", "spiffe_id_prefix", "selector");
    private static final List<String> PEER_FIELDS = List.of("spiffe_id", "spiffe_id_prefix", "selector", "unauthenticated");
    private static final List<String> RULE_FIELDS = List.of("from", "ports", "action");

    private PolicyParser() {}

    /**
     * Parses one source into a set with the given version.
     *
     * @throws InvalidPolicyException listing every error
     */
    public static PolicySet parse(long version, PolicySource source) throws InvalidPolicyException {
        return parse(version, List.of(source));
    }

    /**
     * Parses several sources into one set: policy names must be unique across all of them.
     *
     * @throws InvalidPolicyException listing every error
     */
    public static PolicySet parse(long version, List<PolicySource> sources) throws InvalidPolicyException {
        return parse(version, sources, null);
    }

    /**
     * Parses several sources like {@link #parse(long, List)}, with the same result and errors, but
     * takes the policies of every source equal (name and bytes) to one of {@code cache}'s from
     * there instead of reading it again; the checks across sources (unique names, one mode per
     * set of protected workloads, the rule limit) still run over all of them. After a parse
     * without errors the cache holds exactly that parse's sources.
     *
     * @param cache the previous parse's sources, or null
     * @throws InvalidPolicyException listing every error
     */
    public static PolicySet parse(long version, List<PolicySource> sources, Cache cache)
            throws InvalidPolicyException {
        Run run = new Run();
        run.cached = cache == null ? Map.of() : cache.entries;
        List<Policy> policies = run.all(sources);
        if (!run.errors.isEmpty()) {
            throw new InvalidPolicyException(run.errors);
        }
        if (cache != null) {
            cache.entries = Map.copyOf(run.parsed);
        }
        return PolicySet.of(version, policies);
    }

    /**
     * The sources of the last parse that used it and their policies, so that parsing a large set
     * again after a small change reads only what changed. Safe to share between threads.
     */
    public static final class Cache {
        private volatile Map<PolicySource, List<Policy>> entries = Map.of();

        /** How many sources it holds. */
        public int size() {
            return entries.size();
        }
    }

    /** One parse: the errors collected so far and the cross-document checks. */
    private static final class Run {
        final List<PolicyError> errors = new ArrayList<>();
        String file = "";
        boolean truncated;
        final Map<String, String> names = new HashMap<>();
        final Map<Set<IdentityMatcher>, Mode> modes = new HashMap<>();
        final Map<Set<IdentityMatcher>, String> modeOwners = new HashMap<>();
        Map<PolicySource, List<Policy>> cached = Map.of();
        /** Each source of this parse with the policies read from it. */
        final Map<PolicySource, List<Policy>> parsed = new java.util.LinkedHashMap<>();

        void error(int line, int column, String path, String message) {
            if (errors.size() >= MAX_ERRORS) {
                if (!truncated) {
                    truncated = true;
                    errors.add(new PolicyError(file, 0, 0, "", "more than " + MAX_ERRORS + " errors; stopped reporting"));
                }
                return;
            }
            errors.add(new PolicyError(file, line, column, path, message));
        }

        void error(YamlNode at, String path, String message) {
            error(at.line(), at.column(), path, message);
        }

        List<Policy> all(List<PolicySource> sources) {
            List<Policy> out = new ArrayList<>();
            Map<PolicySource, List<YamlNode>> read = new java.util.LinkedHashMap<>();
            int rules = 0;
            for (PolicySource s : sources) {
                file = s.name();
                if (s.size() > MAX_FILE_BYTES) {
                    error(0, 0, "", "file is " + s.size() + " bytes; at most " + MAX_FILE_BYTES + " are accepted");
                    continue;
                }
                List<Policy> known = cached.get(s);
                if (known != null) {
                    read.put(s, null);
                    for (Policy p : known) {
                        rules += p.ingress().size();
                    }
                    continue;
                }
                try {
                    List<YamlNode> docs = YamlReader.read(s.bytes());
                    if (docs.isEmpty()) {
                        error(0, 0, "", "the file holds no policy");
                    }
                    read.put(s, docs);
                    for (YamlNode d : docs) {
                        rules += ruleCount(d);
                    }
                } catch (YamlReader.ReadFailure f) {
                    error(f.line, f.column, "", f.getMessage());
                }
            }
            if (rules > MAX_RULES) {
                file = sources.isEmpty() ? "" : sources.get(sources.size() - 1).name();
                error(0, 0, "", "the policy files hold " + rules + " rules; at most " + MAX_RULES + " are accepted");
                return out;
            }
            for (Map.Entry<PolicySource, List<YamlNode>> e : read.entrySet()) {
                file = e.getKey().name();
                List<YamlNode> docs = e.getValue();
                List<Policy> fromSource = new ArrayList<>();
                if (docs == null) {
                    for (Policy p : cached.get(e.getKey())) {
                        if (crossChecks(p.name(), p.mode(), p.appliesTo(), null, null, "")) {
                            fromSource.add(p);
                        }
                    }
                } else {
                    for (int i = 0; i < docs.size(); i++) {
                        String prefix = docs.size() > 1 ? "[" + i + "]" : "";
                        policy(docs.get(i), prefix).ifPresent(fromSource::add);
                    }
                }
                parsed.put(e.getKey(), List.copyOf(fromSource));
                out.addAll(fromSource);
            }
            return out;
        }

        private static int ruleCount(YamlNode doc) {
            if (doc instanceof YamlNode.Mapping m) {
                for (YamlNode.Entry e : m.entries()) {
                    if (e.key().equals("ingress") && e.value() instanceof YamlNode.Sequence s) {
                        return s.items().size();
                    }
                }
            }
            return 0;
        }

        private static String join(String prefix, String field) {
            return prefix.isEmpty() ? field : prefix + "." + field;
        }

        Optional<Policy> policy(YamlNode doc, String prefix) {
            if (!(doc instanceof YamlNode.Mapping m)) {
                error(doc, prefix, "a policy must be a mapping, found " + doc.kind());
                return Optional.empty();
            }
            int before = errors.size();
            YamlNode.Entry nameEntry = null;
            Optional<String> name = Optional.empty();
            Optional<Mode> mode = Optional.empty();
            YamlNode.Entry modeEntry = null;
            List<IdentityMatcher> appliesTo = null;
            List<IngressRule> ingress = List.of();
            for (YamlNode.Entry e : m.entries()) {
                String path = join(prefix, e.key());
                switch (e.key()) {
                    case "name" -> {
                        nameEntry = e;
                        name = string(e.value(), path).filter(n -> {
                            if (!Policy.isValidName(n)) {
                                error(e.value(), path, Policy.BAD_NAME);
                                return false;
                            }
                            return true;
                        });
                    }
                    case "mode" -> {
                        modeEntry = e;
                        mode = string(e.value(), path).flatMap(s -> switch (s) {
                            case "monitor" -> Optional.of(Mode.MONITOR);
                            case "enforce" -> Optional.of(Mode.ENFORCE);
                            default -> {
                                error(e.value(), path, "mode must be monitor or enforce");
                                yield Optional.empty();
                            }
                        });
                    }
                    case "applies_to" -> appliesTo = appliesTo(e.value(), path);
                    case "ingress" -> ingress = rules(e.value(), path);
                    case "egress" -> error(e.line(), e.column(), path, EGRESS_NOT_SUPPORTED);
                    default -> unknown(e, prefix, POLICY_FIELDS);
                }
            }
            if (nameEntry == null) {
                error(m, prefix, "missing required field 'name'");
            }
            if (modeEntry == null) {
                error(m, prefix, "missing required field 'mode' (monitor or enforce)");
            }
            if (appliesTo == null) {
                error(m, prefix, "missing required field 'applies_to'");
            }
            if (name.isPresent()) {
                crossChecks(name.get(), mode.orElse(null), appliesTo, nameEntry.value(),
                        modeEntry == null ? null : modeEntry.value(), prefix);
            }
            if (errors.size() != before) {
                return Optional.empty();
            }
            return Optional.of(new Policy(name.orElseThrow(), mode.orElseThrow(), appliesTo, ingress));
        }

        /**
         * The checks across policies: a name used once, one mode per set of protected
         * workloads. The nodes locate errors (null for a policy taken from the cache: line 0).
         * Returns whether the policy passed.
         */
        private boolean crossChecks(String name, Mode mode, List<IdentityMatcher> appliesTo,
                YamlNode nameNode, YamlNode modeNode, String prefix) {
            int before = errors.size();
            String where = file + ":" + (nameNode == null ? 0 : nameNode.line());
            String first = names.putIfAbsent(name, where);
            if (first != null) {
                error(nameNode == null ? 0 : nameNode.line(), nameNode == null ? 0 : nameNode.column(),
                        join(prefix, "name"), "duplicate policy name '" + name + "' (first at " + first + ")");
            }
            if (mode != null && appliesTo != null && !appliesTo.isEmpty()) {
                Set<IdentityMatcher> key = Set.copyOf(appliesTo);
                Mode other = modes.putIfAbsent(key, mode);
                if (other != null && other != mode) {
                    error(modeNode == null ? 0 : modeNode.line(), modeNode == null ? 0 : modeNode.column(),
                            join(prefix, "mode"), "mode " + mode.yamlName() + " contradicts policy '"
                            + modeOwners.get(key) + "', which applies to the same workloads in " + other.yamlName() + " mode");
                }
                modeOwners.putIfAbsent(key, name);
            }
            return errors.size() == before;
        }

        private void unknown(YamlNode.Entry e, String prefix, List<String> expected) {
            error(e.line(), e.column(), join(prefix, YamlReader.printable(e.key())),
                    "unknown field '" + YamlReader.printable(e.key()) + "' (expected one of: " + String.join(", ", expected) + ")");
        }

        private Optional<String> string(YamlNode n, String path) {
            if (n instanceof YamlNode.Scalar s && !s.nul() && !s.number()) {
                if (s.text().isEmpty()) {
                    error(n, path, "must not be empty");
                    return Optional.empty();
                }
                return Optional.of(s.text());
            }
            error(n, path, "expected a string, found " + n.kind());
            return Optional.empty();
        }

        private List<IdentityMatcher> appliesTo(YamlNode n, String path) {
            List<IdentityMatcher> out = new ArrayList<>();
            if (n instanceof YamlNode.Mapping) {
                matcher(n, path, false).ifPresent(p -> out.add(((Peer.Identity) p).matcher()));
            } else if (n instanceof YamlNode.Sequence s) {
                if (s.items().isEmpty()) {
                    error(n, path, "applies_to must name at least one workload");
                }
                Set<IdentityMatcher> seen = new HashSet<>();
                for (int i = 0; i < s.items().size(); i++) {
                    String p = path + "[" + i + "]";
                    YamlNode item = s.items().get(i);
                    matcher(item, p, false).ifPresent(peer -> {
                        IdentityMatcher im = ((Peer.Identity) peer).matcher();
                        if (!seen.add(im)) {
                            error(item, p, "duplicate workload matcher");
                        }
                        out.add(im);
                    });
                }
            } else {
                error(n, path, "applies_to must be a mapping or a list of mappings, found " + n.kind());
            }
            return out;
        }

        /** A matcher (applies_to) or a peer (from); {@code peer} allows {@code unauthenticated}. */
        private Optional<Peer> matcher(YamlNode n, String path, boolean peer) {
            List<String> fields = peer ? PEER_FIELDS : MATCHER_FIELDS;
            if (!(n instanceof YamlNode.Mapping m)) {
                error(n, path, "expected a mapping with one of " + String.join(", ", fields) + ", found " + n.kind());
                return Optional.empty();
            }
            List<YamlNode.Entry> known = new ArrayList<>();
            for (YamlNode.Entry e : m.entries()) {
                if (fields.contains(e.key())) {
                    known.add(e);
                } else {
                    unknown(e, path, fields);
                }
            }
            if (known.isEmpty()) {
                if (m.entries().isEmpty()) {
                    error(n, path, "expected one of " + String.join(", ", fields));
                }
                return Optional.empty();
            }
            if (known.size() > 1) {
                YamlNode.Entry second = known.get(1);
                error(second.line(), second.column(), path, "give exactly one of " + String.join(", ", fields)
                        + " per entry (found " + known.get(0).key() + " and " + second.key() + ")");
                return Optional.empty();
            }
            YamlNode.Entry e = known.get(0);
            String p = path + "." + e.key();
            YamlNode v = e.value();
            switch (e.key()) {
                case "spiffe_id" -> {
                    return string(v, p).flatMap(s -> {
                        try {
                            return Optional.of(new Peer.Identity(new IdentityMatcher.ExactId(SpiffeId.parse(s))));
                        } catch (InvalidSpiffeIdException x) {
                            error(v, p, "invalid SPIFFE ID: " + x.getMessage());
                            return Optional.empty();
                        }
                    });
                }
                case "spiffe_id_prefix" -> {
                    return string(v, p).flatMap(s -> {
                        Optional<String> problem = IdentityMatcher.IdPrefix.problem(s);
                        if (problem.isPresent()) {
                            error(v, p, "invalid SPIFFE ID prefix: " + problem.get());
                            return Optional.empty();
                        }
                        return Optional.of(new Peer.Identity(new IdentityMatcher.IdPrefix(s)));
                    });
                }
                case "selector" -> {
                    return string(v, p).flatMap(s -> {
                        try {
                            return Optional.of(new Peer.Identity(new IdentityMatcher.HasSelector(Selector.parse(s))));
                        } catch (InvalidSelectorException x) {
                            error(v, p, "invalid selector: " + x.getMessage());
                            return Optional.empty();
                        }
                    });
                }
                default -> {
                    return unauthenticated(v, p);
                }
            }
        }

        private Optional<Peer> unauthenticated(YamlNode v, String path) {
            if (!(v instanceof YamlNode.Mapping m)) {
                error(v, path, "expected a mapping {cidr: <prefix>}, found " + v.kind());
                return Optional.empty();
            }
            Optional<Peer> out = Optional.empty();
            boolean cidrSeen = false;
            for (YamlNode.Entry e : m.entries()) {
                if (!e.key().equals("cidr")) {
                    unknown(e, path, List.of("cidr"));
                    continue;
                }
                cidrSeen = true;
                String p = path + ".cidr";
                out = string(e.value(), p).flatMap(s -> {
                    try {
                        return Optional.of(new Peer.Unauthenticated(Cidr.parse(s)));
                    } catch (IllegalArgumentException x) {
                        error(e.value(), p, "invalid CIDR: " + x.getMessage());
                        return Optional.empty();
                    }
                });
            }
            if (!cidrSeen) {
                error(v, path, "missing required field 'cidr'");
            }
            return out;
        }

        private List<IngressRule> rules(YamlNode n, String path) {
            if (!(n instanceof YamlNode.Sequence s)) {
                error(n, path, "ingress must be a list of rules, found " + n.kind());
                return List.of();
            }
            List<IngressRule> out = new ArrayList<>();
            Map<Map.Entry<Set<Peer>, PortSet>, Integer> seen = new HashMap<>();
            for (int i = 0; i < s.items().size(); i++) {
                String p = path + "[" + i + "]";
                YamlNode item = s.items().get(i);
                Optional<IngressRule> rule = rule(item, p);
                if (rule.isEmpty()) {
                    continue;
                }
                IngressRule r = rule.get();
                Map.Entry<Set<Peer>, PortSet> key = Map.entry(Set.copyOf(r.from()), r.ports());
                Integer first = seen.putIfAbsent(key, i);
                if (first != null) {
                    IngressRule f = out.get(first);
                    if (f.action() == r.action()) {
                        error(item, p, "duplicates rule #" + (first + 1) + " (" + path + "[" + first + "])");
                    } else {
                        error(item, p, "contradicts rule #" + (first + 1) + " (" + path + "[" + first
                                + "]): same peers and ports with the opposite action, so the allow rule could never apply");
                    }
                }
                out.add(r);
            }
            // A rule with errors leaves a hole; keep indexes aligned with the file only when all are valid.
            return out.size() == s.items().size() ? out : List.of();
        }

        private Optional<IngressRule> rule(YamlNode n, String path) {
            if (!(n instanceof YamlNode.Mapping m)) {
                error(n, path, "a rule must be a mapping, found " + n.kind());
                return Optional.empty();
            }
            int before = errors.size();
            List<Peer> from = null;
            PortSet ports = PortSet.ALL;
            Action action = Action.ALLOW;
            for (YamlNode.Entry e : m.entries()) {
                String p = path + "." + e.key();
                switch (e.key()) {
                    case "from" -> from = peers(e.value(), p);
                    case "ports" -> ports = ports(e.value(), p);
                    case "action" -> action = string(e.value(), p).map(s -> switch (s) {
                        case "allow" -> Action.ALLOW;
                        case "deny" -> Action.DENY;
                        default -> {
                            error(e.value(), p, "action must be allow or deny");
                            yield Action.ALLOW;
                        }
                    }).orElse(Action.ALLOW);
                    default -> unknown(e, path, RULE_FIELDS);
                }
            }
            if (from == null) {
                error(n, path, "missing required field 'from'");
            }
            if (errors.size() != before) {
                return Optional.empty();
            }
            return Optional.of(new IngressRule(from, ports, action));
        }

        private List<Peer> peers(YamlNode n, String path) {
            if (!(n instanceof YamlNode.Sequence s)) {
                error(n, path, "from must be a list of peers, found " + n.kind());
                return List.of();
            }
            if (s.items().isEmpty()) {
                error(n, path, "from must name at least one peer");
                return List.of();
            }
            List<Peer> out = new ArrayList<>();
            Map<Peer, Integer> seen = new HashMap<>();
            for (int i = 0; i < s.items().size(); i++) {
                String p = path + "[" + i + "]";
                YamlNode item = s.items().get(i);
                Optional<Peer> peer = matcher(item, p, true);
                if (peer.isPresent()) {
                    Integer first = seen.putIfAbsent(peer.get(), i);
                    if (first != null) {
                        error(item, p, "duplicate peer (same as " + path + "[" + first + "])");
                    }
                    out.add(peer.get());
                }
            }
            return out;
        }

        private PortSet ports(YamlNode n, String path) {
            if (!(n instanceof YamlNode.Sequence s)) {
                error(n, path, "ports must be a list of ports or ranges, found " + n.kind());
                return PortSet.ALL;
            }
            if (s.items().isEmpty()) {
                error(n, path, "ports must name at least one port (leave the field out for every port)");
                return PortSet.ALL;
            }
            List<PortRange> ranges = new ArrayList<>();
            List<Integer> indexes = new ArrayList<>();
            for (int i = 0; i < s.items().size(); i++) {
                String p = path + "[" + i + "]";
                YamlNode item = s.items().get(i);
                Optional<PortRange> r = port(item, p);
                if (r.isEmpty()) {
                    continue;
                }
                for (int j = 0; j < ranges.size(); j++) {
                    PortRange o = ranges.get(j);
                    if (o.first() <= r.get().last() && r.get().first() <= o.last()) {
                        error(item, p, "port " + r.get() + " overlaps " + path + "[" + indexes.get(j) + "] (" + o + ")");
                        break;
                    }
                }
                ranges.add(r.get());
                indexes.add(i);
            }
            return ranges.isEmpty() ? PortSet.ALL : PortSet.of(ranges);
        }

        private Optional<PortRange> port(YamlNode n, String path) {
            String bad = "a port is an integer from 1 to 65535 or a range such as 8000-8100";
            if (!(n instanceof YamlNode.Scalar s) || s.nul()) {
                error(n, path, bad + ", found " + n.kind());
                return Optional.empty();
            }
            String t = s.text();
            if (DECIMAL.matcher(t).matches()) {
                int v = Integer.parseInt(t);
                if (v < PortRange.MIN_PORT || v > PortRange.MAX_PORT) {
                    error(n, path, "port " + v + " is out of range 1-65535");
                    return Optional.empty();
                }
                return Optional.of(PortRange.of(v));
            }
            var m = RANGE.matcher(t);
            if (!s.number() && m.matches()) {
                int a = Integer.parseInt(m.group(1));
                int b = Integer.parseInt(m.group(2));
                if (a < PortRange.MIN_PORT || a > PortRange.MAX_PORT || b < PortRange.MIN_PORT || b > PortRange.MAX_PORT) {
                    error(n, path, "port range " + a + "-" + b + " is out of range 1-65535");
                    return Optional.empty();
                }
                if (a > b) {
                    error(n, path, "port range " + a + "-" + b + " is reversed");
                    return Optional.empty();
                }
                return Optional.of(new PortRange(a, b));
            }
            error(n, path, bad);
            return Optional.empty();
        }
    }
}
