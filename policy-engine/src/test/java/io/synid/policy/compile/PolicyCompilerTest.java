package io.synid.policy.compile;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.policy.eval.ConnectionRequest;
import io.synid.policy.eval.PolicyEvaluator;
import io.synid.policy.eval.Source;
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
import io.synid.policy.model.WorkloadIdentity;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyCompilerTest {

    private static final int[] PORTS = {22, 80, 443, 5432, 8080, 9187};

    /** Random policies and identities over a small universe, so that rules overlap often. */
    static final class World {
        final Random random;
        final Map<Integer, WorkloadIdentity> identities = new HashMap<>();
        final Set<Integer> protectedIds = new HashSet<>();
        final Map<String, Policy> policies = new HashMap<>();

        World(long seed) {
            random = new Random(seed);
        }

        SpiffeId id() {
            try {
                return SpiffeId.parse("spiffe://td/ns" + random.nextInt(3) + "/svc" + random.nextInt(4));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        WorkloadIdentity identity() {
            Set<Selector> selectors = new HashSet<>();
            for (int i = 0; i < random.nextInt(3); i++) {
                selectors.add(new Selector("k8s", "ns:ns" + random.nextInt(3)));
                selectors.add(new Selector("unix", "uid:" + random.nextInt(3)));
            }
            return new WorkloadIdentity(id(), selectors);
        }

        IdentityMatcher matcher() {
            return switch (random.nextInt(3)) {
                case 0 -> new IdentityMatcher.ExactId(id());
                case 1 -> new IdentityMatcher.IdPrefix("spiffe://td/ns" + random.nextInt(3) + "/");
                default -> new IdentityMatcher.HasSelector(new Selector("k8s", "ns:ns" + random.nextInt(3)));
            };
        }

        PortSet ports() {
            int kind = random.nextInt(4);
            if (kind == 0) {
                return PortSet.ALL;
            }
            if (kind == 1) {
                int a = 1 + random.nextInt(65535);
                return PortSet.of(List.of(new PortRange(a, Math.min(65535, a + random.nextInt(40)))));
            }
            if (kind == 2) {
                // Large allow ranges exercise the wildcard-plus-exceptions encoding.
                return PortSet.of(List.of(new PortRange(1, 65535 - random.nextInt(20))));
            }
            return PortSet.ofPorts(PORTS[random.nextInt(PORTS.length)], PORTS[random.nextInt(PORTS.length)]);
        }

        Policy policy(String name) {
            List<IngressRule> rules = new ArrayList<>();
            for (int i = 0; i < 1 + random.nextInt(4); i++) {
                List<Peer> from = new ArrayList<>();
                for (int j = 0; j < 1 + random.nextInt(2); j++) {
                    from.add(random.nextInt(5) == 0
                            ? new Peer.Unauthenticated(Cidr.parse(random.nextBoolean() ? "10.0.0.0/8" : "10.1.0.0/16"))
                            : new Peer.Identity(matcher()));
                }
                rules.add(new IngressRule(from, ports(), random.nextInt(4) == 0 ? Action.DENY : Action.ALLOW));
            }
            return new Policy(name, random.nextBoolean() ? Mode.ENFORCE : Mode.MONITOR, List.of(matcher()), rules);
        }

        IdentityDirectory directory() {
            return new IdentityDirectory(identities, protectedIds);
        }
    }

    @Test
    void applyingDeltasEqualsAFullRecompile() {
        World w = new World(42);
        for (int i = 1; i <= 12; i++) {
            w.identities.put(i, w.identity());
            if (w.random.nextBoolean()) {
                w.protectedIds.add(i);
            }
        }
        for (int i = 0; i < 6; i++) {
            w.policies.put("p" + i, w.policy("p" + i));
        }
        PolicyCompiler compiler = PolicyCompiler.create(w.policies.values(), w.directory());
        CompiledTables applied = compiler.tables();
        int nonEmpty = 0;
        for (int step = 0; step < 300; step++) {
            TableDelta delta;
            int op = w.random.nextInt(6);
            if (op == 0 || op == 1) {
                String name = "p" + w.random.nextInt(9);
                Policy p = w.policy(name);
                w.policies.put(name, p);
                delta = compiler.putPolicy(p);
            } else if (op == 2) {
                String name = "p" + w.random.nextInt(9);
                w.policies.remove(name);
                delta = compiler.removePolicy(name);
            } else if (op == 3 || op == 4) {
                int n = 1 + w.random.nextInt(16);
                WorkloadIdentity id = w.random.nextInt(3) == 0 && w.identities.containsKey(n) ? w.identities.get(n) : w.identity();
                boolean prot = w.random.nextBoolean();
                w.identities.put(n, id);
                if (prot) {
                    w.protectedIds.add(n);
                } else {
                    w.protectedIds.remove(n);
                }
                delta = compiler.putIdentity(n, id, prot);
            } else {
                int n = 1 + w.random.nextInt(16);
                w.identities.remove(n);
                w.protectedIds.remove(n);
                delta = compiler.removeIdentity(n);
            }
            if (!delta.isEmpty()) {
                nonEmpty++;
            }
            applied = applied.apply(delta);
            CompiledTables full = PolicyCompiler.create(w.policies.values(), w.directory()).tables();
            assertThat(applied).as("step %d", step).isEqualTo(full);
            assertThat(compiler.tables()).isEqualTo(full);
        }
        assertThat(nonEmpty).isGreaterThan(150);
    }

    @Test
    void tablesDecideExactlyAsTheEvaluator() throws Exception {
        for (long seed = 0; seed < 40; seed++) {
            World w = new World(seed);
            for (int i = 1; i <= 10; i++) {
                w.identities.put(i, w.identity());
                w.protectedIds.add(i);
            }
            for (int i = 0; i < 5; i++) {
                w.policies.put("p" + i, w.policy("p" + i));
            }
            PolicySet set = PolicySet.of(3, w.policies.values());
            CompiledTables tables = PolicyCompiler.create(set, w.directory()).tables();
            PolicyEvaluator evaluator = PolicyEvaluator.of(set);
            for (int q = 0; q < 400; q++) {
                int src = 1 + w.random.nextInt(10);
                int dst = 1 + w.random.nextInt(10);
                int port = w.random.nextBoolean() ? PORTS[w.random.nextInt(PORTS.length)] : 1 + w.random.nextInt(65535);
                var decision = evaluator.decide(new ConnectionRequest(
                        new Source.Authenticated(w.identities.get(src)), w.identities.get(dst), port));
                assertThat(tables.lookup(src, dst, port)).as("seed %d %d->%d:%d", seed, src, dst, port)
                        .isEqualTo(decision.policyVerdict());
                assertThat(tables.modes().get(dst)).isEqualTo(decision.mode());
                InetAddress ip = InetAddress.getByName(w.random.nextBoolean() ? "10.1.2.3" : "10.2.3.4");
                var unauth = evaluator.decide(new ConnectionRequest(new Source.Unauthenticated(ip), w.identities.get(dst), port));
                assertThat(tables.lookupUnauthenticated(dst, ip, port)).isEqualTo(unauth.policyVerdict());
            }
        }
    }

    @Test
    void denyCarvesAPortOutOfAWildcardAllow() throws Exception {
        WorkloadIdentity db = WorkloadIdentity.of(SpiffeId.parse("spiffe://td/db"));
        WorkloadIdentity api = WorkloadIdentity.of(SpiffeId.parse("spiffe://td/api"));
        Policy p = new Policy("db", Mode.ENFORCE, List.of(new IdentityMatcher.ExactId(db.spiffeId())), List.of(
                new IngressRule(List.of(new Peer.Identity(new IdentityMatcher.IdPrefix("spiffe://td/"))), PortSet.ALL, Action.ALLOW),
                new IngressRule(List.of(new Peer.Identity(new IdentityMatcher.ExactId(api.spiffeId()))), PortSet.ofPorts(22), Action.DENY)));
        CompiledTables t = PolicyCompiler.create(List.of(p), new IdentityDirectory(Map.of(1, db, 2, api), Set.of(1))).tables();
        assertThat(t.verdicts()).containsOnly(
                Map.entry(new VerdictKey(1, 1, 0), new VerdictEntry(TableVerdict.ALLOW, java.util.Optional.of(p.ruleId(0)))),
                Map.entry(new VerdictKey(2, 1, 0), new VerdictEntry(TableVerdict.ALLOW, java.util.Optional.of(p.ruleId(0)))),
                Map.entry(new VerdictKey(2, 1, 22), new VerdictEntry(TableVerdict.DENY, java.util.Optional.of(p.ruleId(1)))));
        assertThat(t.modes()).containsOnly(Map.entry(1, Mode.ENFORCE));
    }
}
