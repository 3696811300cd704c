package io.synid.policy.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.policy.parse.PolicyParser;
import io.synid.policy.parse.PolicySource;
import io.synid.policy.model.WorkloadIdentity;
import java.net.InetAddress;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyEvaluatorTest {

    static final String POLICIES = """
            name: orders-db-ingress
            mode: enforce
            applies_to: {spiffe_id: "spiffe://prod.example/db/orders"}
            ingress:
              - from:
                  - spiffe_id: spiffe://prod.example/svc/orders
                  - spiffe_id_prefix: spiffe://prod.example/svc/billing/
                  - selector: k8s:ns:payments
                ports: [5432]
              - from:
                  - unauthenticated: {cidr: 10.10.0.0/16}
                ports: [9187]
              - from:
                  - selector: k8s:ns:quarantine
                action: deny
            ---
            name: cache
            mode: monitor
            applies_to: {spiffe_id: "spiffe://prod.example/cache"}
            ingress:
              - from: [{spiffe_id: "spiffe://prod.example/svc/orders"}]
                ports: [6379]
            """;

    static WorkloadIdentity id(String id, String... selectors) throws Exception {
        Set<Selector> s = new java.util.HashSet<>();
        for (String sel : selectors) {
            s.add(Selector.parse(sel));
        }
        return new WorkloadIdentity(SpiffeId.parse(id), s);
    }

    static Stream<Arguments> cases() throws Exception {
        WorkloadIdentity db = id("spiffe://prod.example/db/orders");
        WorkloadIdentity cache = id("spiffe://prod.example/cache");
        WorkloadIdentity other = id("spiffe://prod.example/unprotected");
        Source orders = new Source.Authenticated(id("spiffe://prod.example/svc/orders"));
        Source billing = new Source.Authenticated(id("spiffe://prod.example/svc/billing/api"));
        Source billingLookalike = new Source.Authenticated(id("spiffe://prod.example/svc/billing-evil"));
        Source payments = new Source.Authenticated(id("spiffe://prod.example/x", "k8s:ns:payments"));
        Source quarantined = new Source.Authenticated(id("spiffe://prod.example/svc/orders", "k8s:ns:quarantine"));
        Source inside = new Source.Unauthenticated(InetAddress.getByName("10.10.3.4"));
        Source outside = new Source.Unauthenticated(InetAddress.getByName("10.11.3.4"));
        return Stream.of(
                Arguments.of("exact id", orders, db, 5432, "allowed", "allowed", "policy:orders-db-ingress#1", "enforce"),
                Arguments.of("wrong port", orders, db, 5433, "denied", "denied", "default-deny", "enforce"),
                Arguments.of("prefix", billing, db, 5432, "allowed", "allowed", "policy:orders-db-ingress#1", "enforce"),
                Arguments.of("prefix is segment-wise", billingLookalike, db, 5432, "denied", "denied", "default-deny", "enforce"),
                Arguments.of("selector", payments, db, 5432, "allowed", "allowed", "policy:orders-db-ingress#1", "enforce"),
                Arguments.of("deny wins", quarantined, db, 5432, "denied", "denied", "policy:orders-db-ingress#3", "enforce"),
                Arguments.of("unauthenticated inside", inside, db, 9187, "allowed", "allowed", "policy:orders-db-ingress#2", "enforce"),
                Arguments.of("unauthenticated wrong port", inside, db, 5432, "denied", "denied", "default-deny", "enforce"),
                Arguments.of("unauthenticated outside", outside, db, 9187, "denied", "denied", "default-deny", "enforce"),
                Arguments.of("monitor allowed", orders, cache, 6379, "allowed", "allowed", "policy:cache#1", "monitor"),
                Arguments.of("monitor records would-deny", billing, cache, 6379, "allowed", "denied", "default-allow", "monitor"),
                Arguments.of("no policy: monitor", orders, other, 1, "allowed", "denied", "default-allow", "monitor"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(String name, Source source, WorkloadIdentity dst, int port, String verdict, String policyVerdict,
            String reason, String mode) throws Exception {
        PolicyEvaluator e = PolicyEvaluator.of(PolicyParser.parse(12, PolicySource.of("p.yaml", POLICIES)));
        Decision d = e.decide(new ConnectionRequest(source, dst, port));
        assertThat(d.verdict().auditName()).isEqualTo(verdict);
        assertThat(d.policyVerdict().auditName()).isEqualTo(policyVerdict);
        assertThat(d.reason()).isEqualTo(reason);
        assertThat(d.mode().yamlName()).isEqualTo(mode);
        assertThat(d.policyVersion()).isEqualTo(12);
    }
}
