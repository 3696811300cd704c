package io.synid.policy.bench;

import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.policy.compile.IdentityDirectory;
import io.synid.policy.compile.PolicyCompiler;
import io.synid.policy.compile.TableDelta;
import io.synid.policy.compile.TableVerdict;
import io.synid.policy.compile.VerdictEntry;
import io.synid.policy.compile.VerdictKey;
import io.synid.policy.model.Action;
import io.synid.policy.model.Cidr;
import io.synid.policy.model.IdentityMatcher;
import io.synid.policy.model.IngressRule;
import io.synid.policy.model.Mode;
import io.synid.policy.model.Peer;
import io.synid.policy.model.Policy;
import io.synid.policy.model.PortSet;
import io.synid.policy.model.RuleId;
import io.synid.policy.model.WorkloadIdentity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Measures a full compile of 1,000 policies over 10,000 identities (all protected: the worst case,
 * a server compiling for every node at once) and one incremental policy change, against a
 * baseline that builds a verdict table of the same size with no policy logic.
 *
 * <p>Shape: 100 namespaces of 100 identities ({@code spiffe://bench.example/ns<n>/svc<k>},
 * selector {@code k8s:ns:ns<n>}). Policy {@code i} applies to {@code svc<i % 100>} of namespace
 * {@code i / 10} and has three rules: one exact source on 8080, the source's whole namespace by
 * selector on 9090-9091, a deny for one ID prefix, and an unauthenticated CIDR.
 *
 * <p>Usage: {@code java -cp ... io.synid.policy.bench.CompileBenchmark [rounds]} (default 5; the
 * best round is reported after two warm-up rounds).
 */
public final class CompileBenchmark {

    private static final int NAMESPACES = 100;
    private static final int PER_NAMESPACE = 100;
    private static final int POLICIES = 1_000;

    private CompileBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Map<Integer, WorkloadIdentity> ids = new HashMap<>();
        int number = 1;
        for (int n = 0; n < NAMESPACES; n++) {
            for (int k = 0; k < PER_NAMESPACE; k++) {
                ids.put(number++, new WorkloadIdentity(id(n, k), Set.of(Selector.parse("k8s:ns:ns" + n))));
            }
        }
        IdentityDirectory directory = new IdentityDirectory(ids, ids.keySet());
        List<Policy> policies = new ArrayList<>();
        for (int i = 0; i < POLICIES; i++) {
            policies.add(policy(i, 8080));
        }

        long bestCompile = Long.MAX_VALUE;
        long bestBaseline = Long.MAX_VALUE;
        long bestDelta = Long.MAX_VALUE;
        int entries = 0;
        int deltaSize = 0;
        for (int r = 0; r < rounds + 2; r++) {
            long t0 = System.nanoTime();
            PolicyCompiler compiler = PolicyCompiler.create(policies, directory);
            long compile = System.nanoTime() - t0;
            entries = compiler.verdictCount();

            long t1 = System.nanoTime();
            TableDelta delta = compiler.putPolicy(policy(r % POLICIES, 8081));
            long incremental = System.nanoTime() - t1;
            deltaSize = delta.size();

            long t2 = System.nanoTime();
            Map<VerdictKey, VerdictEntry> table = baseline(entries);
            long baseline = System.nanoTime() - t2;
            if (table.size() != entries) {
                throw new IllegalStateException("baseline size");
            }
            if (r >= 2) {
                bestCompile = Math.min(bestCompile, compile);
                bestBaseline = Math.min(bestBaseline, baseline);
                bestDelta = Math.min(bestDelta, incremental);
            }
        }
        System.out.printf("identities=%d policies=%d verdict_entries=%d%n", ids.size(), POLICIES, entries);
        System.out.printf("full compile: %.1f ms%n", bestCompile / 1e6);
        System.out.printf("baseline (empty table of the same size): %.1f ms%n", bestBaseline / 1e6);
        System.out.printf("ratio compile/baseline: %.2fx%n", (double) bestCompile / bestBaseline);
        System.out.printf("incremental policy change: %.2f ms (%d map operations)%n", bestDelta / 1e6, deltaSize);
    }

    private static SpiffeId id(int ns, int k) throws Exception {
        return SpiffeId.parse("spiffe://bench.example/ns" + ns + "/svc" + k);
    }

    private static Policy policy(int i, int port) throws Exception {
        int ns = i / 10;
        int svc = i % PER_NAMESPACE;
        int peerNs = (ns + 1) % NAMESPACES;
        List<IngressRule> rules = List.of(
                new IngressRule(List.of(new Peer.Identity(new IdentityMatcher.ExactId(id(peerNs, svc)))),
                        PortSet.ofPorts(port), Action.ALLOW),
                new IngressRule(List.of(new Peer.Identity(new IdentityMatcher.HasSelector(Selector.parse("k8s:ns:ns" + peerNs)))),
                        PortSet.ofPorts(9090, 9091), Action.ALLOW),
                new IngressRule(List.of(new Peer.Identity(new IdentityMatcher.IdPrefix("spiffe://bench.example/ns" + peerNs + "/"))),
                        PortSet.ofPorts(9091), Action.DENY),
                new IngressRule(List.of(new Peer.Unauthenticated(Cidr.parse("10." + ns + ".0.0/16"))),
                        PortSet.ofPorts(9187), Action.ALLOW));
        return new Policy("p" + i, Mode.ENFORCE, List.of(new IdentityMatcher.ExactId(id(ns, svc))), rules);
    }

    private static Map<VerdictKey, VerdictEntry> baseline(int entries) {
        Map<VerdictKey, VerdictEntry> table = new HashMap<>();
        VerdictEntry e = new VerdictEntry(TableVerdict.ALLOW, Optional.of(new RuleId("p", 1)));
        for (int i = 0; i < entries; i++) {
            table.put(new VerdictKey(1 + i / 65535, 1 + i % 1000, 1 + i % 65535), e);
        }
        return table;
    }
}
