package io.synid.policy.suggest;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.policy.eval.Source;
import io.synid.policy.eval.Verdict;
import io.synid.policy.model.Mode;
import io.synid.policy.model.Policy;
import io.synid.policy.model.WorkloadIdentity;
import io.synid.policy.parse.PolicyParser;
import io.synid.policy.parse.PolicySource;
import io.synid.policy.parse.PolicyWriter;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicySuggesterTest {

    static WorkloadIdentity id(String id, String... selectors) throws Exception {
        Set<Selector> s = new java.util.HashSet<>();
        for (String sel : selectors) {
            s.add(Selector.parse(sel));
        }
        return new WorkloadIdentity(SpiffeId.parse(id), s);
    }

    static ObservedFlow flow(WorkloadIdentity src, WorkloadIdentity dst, int port) {
        return new ObservedFlow(new Source.Authenticated(src), dst, port, 3, Verdict.ALLOWED);
    }

    @Test
    void collapsesExactlyAndRoundTrips() throws Exception {
        WorkloadIdentity db = id("spiffe://prod.example/db/orders");
        WorkloadIdentity web = id("spiffe://prod.example/web");
        WorkloadIdentity a = id("spiffe://prod.example/pay/a", "k8s:ns:payments");
        WorkloadIdentity b = id("spiffe://prod.example/pay/b", "k8s:ns:payments");
        WorkloadIdentity c = id("spiffe://prod.example/jobs/c", "k8s:ns:jobs");
        WorkloadIdentity d = id("spiffe://prod.example/jobs/d", "k8s:ns:jobs");
        WorkloadIdentity e = id("spiffe://prod.example/jobs/e", "k8s:ns:jobs");
        List<WorkloadIdentity> known = List.of(db, web, a, b, c, d, e);
        List<ObservedFlow> flows = new ArrayList<>(List.of(
                flow(a, db, 5432), flow(b, db, 5432), // every payments identity: selector
                flow(c, db, 5432), flow(d, db, 5432), // not e: jobs selector would be broader than seen
                flow(web, db, 9187), flow(web, db, 9188),
                new ObservedFlow(new Source.Authenticated(e), db, 5432, 1, Verdict.DENIED),
                new ObservedFlow(new Source.Unauthenticated(InetAddress.getByName("10.1.2.3")), db, 9187, 1, Verdict.ALLOWED),
                new ObservedFlow(new Source.Unauthenticated(InetAddress.getByName("10.1.2.3")), db, 9188, 1, Verdict.ALLOWED)));
        List<Policy> suggested = PolicySuggester.suggest(flows, known, SuggestionOptions.DEFAULT);
        String yaml = PolicyWriter.write(suggested);
        assertThat(yaml).isEqualTo("""
                name: "prod.example-db-orders"
                mode: monitor
                applies_to:
                  - spiffe_id: "spiffe://prod.example/db/orders"
                ingress:
                  - from:
                      - selector: "k8s:ns:payments"
                      - spiffe_id: "spiffe://prod.example/jobs/c"
                      - spiffe_id: "spiffe://prod.example/jobs/d"
                    ports: [5432]
                  - from:
                      - spiffe_id: "spiffe://prod.example/web"
                      - unauthenticated: {cidr: "10.1.2.3/32"}
                    ports: ["9187-9188"]
                """);
        assertThat(PolicyParser.parse(1, PolicySource.of("suggested.yaml", yaml)).policies()).isEqualTo(suggested);

        List<Policy> grouped = PolicySuggester.suggest(flows, known, new SuggestionOptions(Mode.ENFORCE, true, false));
        assertThat(PolicyWriter.write(grouped)).contains("spiffe_id_prefix: \"spiffe://prod.example/jobs/\"").contains("mode: enforce");
        assertThat(PolicyParser.parse(1, PolicySource.of("grouped.yaml", PolicyWriter.write(grouped))).policies()).isEqualTo(grouped);
    }

    @Test
    void prefixCollapseWhenExact() throws Exception {
        WorkloadIdentity db = id("spiffe://td/db");
        WorkloadIdentity x = id("spiffe://td/batch/x");
        WorkloadIdentity y = id("spiffe://td/batch/y");
        List<Policy> p = PolicySuggester.suggest(List.of(flow(x, db, 1), flow(y, db, 1)), List.of(db, x, y), SuggestionOptions.DEFAULT);
        assertThat(PolicyWriter.write(p)).contains("      - spiffe_id_prefix: \"spiffe://td/batch/\"\n    ports: [1]\n");
    }
}
