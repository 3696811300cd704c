package io.synid.policy.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.policy.model.Action;
import io.synid.policy.model.Cidr;
import io.synid.policy.model.IdentityMatcher;
import io.synid.policy.model.Mode;
import io.synid.policy.model.Peer;
import io.synid.policy.model.Policy;
import io.synid.policy.model.PolicySet;
import io.synid.policy.model.PortRange;
import io.synid.policy.model.PortSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyParserTest {

    static final String ORDERS = """
            name: orders-db-ingress
            mode: enforce
            applies_to:
              spiffe_id: spiffe://prod.example/db/orders
            ingress:
              - from:
                  - spiffe_id: spiffe://prod.example/svc/orders
                  - spiffe_id_prefix: spiffe://prod.example/svc/billing/
                  - selector: k8s:ns:payments
                ports: [5432]
              - from:
                  - unauthenticated: { cidr: 10.10.0.0/16 }
                ports: [9187, "9000-9010"]
              - from:
                  - selector: k8s:ns:payments
                ports: [5432]
                action: deny
            """;

    @Test
    void parsesTheDocumentedExample() throws Exception {
        PolicySet set = PolicyParser.parse(7, PolicySource.of("orders-db.yaml", ORDERS));
        assertThat(set.version()).isEqualTo(7);
        Policy p = set.policies().get(0);
        assertThat(p.name()).isEqualTo("orders-db-ingress");
        assertThat(p.mode()).isEqualTo(Mode.ENFORCE);
        assertThat(p.appliesTo()).containsExactly(new IdentityMatcher.ExactId(SpiffeId.parse("spiffe://prod.example/db/orders")));
        assertThat(p.ingress()).hasSize(3);
        assertThat(p.ingress().get(0).from()).containsExactly(
                new Peer.Identity(new IdentityMatcher.ExactId(SpiffeId.parse("spiffe://prod.example/svc/orders"))),
                new Peer.Identity(new IdentityMatcher.IdPrefix("spiffe://prod.example/svc/billing/")),
                new Peer.Identity(new IdentityMatcher.HasSelector(Selector.parse("k8s:ns:payments"))));
        assertThat(p.ingress().get(0).ports()).isEqualTo(PortSet.ofPorts(5432));
        assertThat(p.ingress().get(0).action()).isEqualTo(Action.ALLOW);
        assertThat(p.ingress().get(1).from()).containsExactly(new Peer.Unauthenticated(Cidr.parse("10.10.0.0/16")));
        assertThat(p.ingress().get(1).ports()).isEqualTo(PortSet.of(List.of(PortRange.of(9187), new PortRange(9000, 9010))));
        assertThat(p.ingress().get(2).action()).isEqualTo(Action.DENY);
    }

    @Test
    void omittedPortsMeanEveryPortAndSeveralDocumentsAreSeveralPolicies() throws Exception {
        PolicySet set = PolicyParser.parse(1, PolicySource.of("two.yaml", """
                name: b
                mode: monitor
                applies_to: [{selector: "unix:uid:0"}]
                ingress:
                  - from: [{spiffe_id: "spiffe://td/x"}]
                ---
                name: a
                mode: monitor
                applies_to: {spiffe_id_prefix: "spiffe://td/"}
                """));
        assertThat(set.policies()).extracting(Policy::name).containsExactly("a", "b");
        assertThat(set.policies().get(1).ingress().get(0).ports().isAll()).isTrue();
        assertThat(set.policies().get(0).ingress()).isEmpty();
    }

    static Stream<Arguments> hostile() {
        String head = "name: p\nmode: enforce\napplies_to: {spiffe_id: \"spiffe://td/db\"}\ningress:\n";
        return Stream.of(
                Arguments.of("unknown top-level field", "name: p\nmode: enforce\napplies_to: {spiffe_id: \"spiffe://td/db\"}\nfoo: 1\n",
                        "f.yaml:4:1: foo: unknown field 'foo' (expected one of: name, mode, applies_to, ingress, egress)"),
                Arguments.of("unknown rule field", head + "  - from: [{spiffe_id: \"spiffe://td/a\"}]\n    port: [1]\n",
                        "f.yaml:6:5: ingress[0].port: unknown field 'port' (expected one of: from, ports, action)"),
                Arguments.of("bad SPIFFE ID", head + "  - from:\n      - spiffe_id: \"spiffe://TD/a\"\n",
                        "f.yaml:6:20: ingress[0].from[0].spiffe_id: invalid SPIFFE ID: trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores"),
                Arguments.of("prefix without slash", head + "  - from:\n      - spiffe_id_prefix: \"spiffe://td/svc\"\n",
                        "f.yaml:6:27: ingress[0].from[0].spiffe_id_prefix: invalid SPIFFE ID prefix: a spiffe_id_prefix must end with '/' so that it matches whole path segments"),
                Arguments.of("bad selector", head + "  - from:\n      - selector: \"nocolon\"\n",
                        "f.yaml:6:19: ingress[0].from[0].selector: invalid selector: " + io.synid.core.selector.InvalidSelectorException.MISSING_COLON),
                Arguments.of("host bits", head + "  - from:\n      - unauthenticated: {cidr: 10.10.1.0/16}\n",
                        "f.yaml:6:33: ingress[0].from[0].unauthenticated.cidr: invalid CIDR: host bits are set: did you mean 10.10.0.0/16?"),
                Arguments.of("IPv6 host bits", head + "  - from:\n      - unauthenticated: {cidr: \"fd00::1/64\"}\n",
                        "f.yaml:6:33: ingress[0].from[0].unauthenticated.cidr: invalid CIDR: host bits are set: did you mean fd00:0:0:0:0:0:0:0/64?"),
                Arguments.of("prefix too long", head + "  - from:\n      - unauthenticated: {cidr: 10.0.0.0/33}\n",
                        "f.yaml:6:33: ingress[0].from[0].unauthenticated.cidr: invalid CIDR: prefix length must be an integer from 0 to 32"),
                Arguments.of("host name", head + "  - from:\n      - unauthenticated: {cidr: example.com/8}\n",
                        "f.yaml:6:33: ingress[0].from[0].unauthenticated.cidr: invalid CIDR: not an IPv4 or IPv6 address"),
                Arguments.of("port zero", head + "  - from: [{spiffe_id: \"spiffe://td/a\"}]\n    ports: [0]\n",
                        "f.yaml:6:13: ingress[0].ports[0]: port 0 is out of range 1-65535"),
                Arguments.of("port too big", head + "  - from: [{spiffe_id: \"spiffe://td/a\"}]\n    ports: [65536]\n",
                        "f.yaml:6:13: ingress[0].ports[0]: port 65536 is out of range 1-65535"),
                Arguments.of("reversed range", head + "  - from: [{spiffe_id: \"spiffe://td/a\"}]\n    ports: [\"90-80\"]\n",
                        "f.yaml:6:13: ingress[0].ports[0]: port range 90-80 is reversed"),
                Arguments.of("overlapping ports", head + "  - from: [{spiffe_id: \"spiffe://td/a\"}]\n    ports: [\"80-90\", 85]\n",
                        "f.yaml:6:22: ingress[0].ports[1]: port 85 overlaps ingress[0].ports[0] (80-90)"),
                Arguments.of("empty from", head + "  - from: []\n",
                        "f.yaml:5:11: ingress[0].from: from must name at least one peer"),
                Arguments.of("empty ports", head + "  - from: [{spiffe_id: \"spiffe://td/a\"}]\n    ports: []\n",
                        "f.yaml:6:12: ingress[0].ports: ports must name at least one port (leave the field out for every port)"),
                Arguments.of("two kinds in one peer", head + "  - from:\n      - {spiffe_id: \"spiffe://td/a\", selector: \"a:b\"}\n",
                        "f.yaml:6:38: ingress[0].from[0]: give exactly one of spiffe_id, spiffe_id_prefix, selector, unauthenticated per entry (found spiffe_id and selector)"),
                Arguments.of("duplicate peer", head + "  - from:\n      - spiffe_id: \"spiffe://td/a\"\n      - spiffe_id: \"spiffe://td/a\"\n",
                        "f.yaml:7:9: ingress[0].from[1]: duplicate peer (same as ingress[0].from[0])"),
                Arguments.of("duplicate rule", head + "  - from: [{spiffe_id: \"spiffe://td/a\"}]\n  - from: [{spiffe_id: \"spiffe://td/a\"}]\n",
                        "f.yaml:6:5: ingress[1]: duplicates rule #1 (ingress[0])"),
                Arguments.of("contradiction", head + "  - from: [{spiffe_id: \"spiffe://td/a\"}]\n  - from: [{spiffe_id: \"spiffe://td/a\"}]\n    action: deny\n",
                        "f.yaml:6:5: ingress[1]: contradicts rule #1 (ingress[0]): same peers and ports with the opposite action, so the allow rule could never apply"),
                Arguments.of("bad action", head + "  - from: [{spiffe_id: \"spiffe://td/a\"}]\n    action: drop\n",
                        "f.yaml:6:13: ingress[0].action: action must be allow or deny"),
                Arguments.of("bad mode", "name: p\nmode: strict\napplies_to: {spiffe_id: \"spiffe://td/db\"}\n",
                        "f.yaml:2:7: mode: mode must be monitor or enforce"),
                Arguments.of("missing mode", "name: p\napplies_to: {spiffe_id: \"spiffe://td/db\"}\n",
                        "f.yaml:1:1: missing required field 'mode' (monitor or enforce)"),
                Arguments.of("bad name", "name: \"Orders DB\"\nmode: enforce\napplies_to: {spiffe_id: \"spiffe://td/db\"}\n",
                        "f.yaml:1:7: name: " + Policy.BAD_NAME),
                Arguments.of("egress", "name: p\nmode: enforce\napplies_to: {spiffe_id: \"spiffe://td/db\"}\negress:\n  - to: [{dns: \"*.s3.amazonaws.com\"}]\n",
                        "f.yaml:4:1: egress: " + PolicyParser.EGRESS_NOT_SUPPORTED),
                Arguments.of("duplicate key", "name: p\nname: q\n",
                        "f.yaml:2:1: duplicate key 'name' (first at line 1)"),
                Arguments.of("alias", "a: &x {spiffe_id: \"spiffe://td/db\"}\nname: p\nmode: enforce\napplies_to: *x\n",
                        "f.yaml:4:13: YAML aliases (*name) are not allowed in policy files"),
                Arguments.of("not a mapping", "- 1\n- 2\n",
                        "f.yaml:1:1: a policy must be a mapping, found a list"),
                Arguments.of("empty file", "",
                        "f.yaml:0:0: the file holds no policy"),
                Arguments.of("conflicting modes", "name: a\nmode: enforce\napplies_to: {spiffe_id: \"spiffe://td/db\"}\n---\nname: b\nmode: monitor\napplies_to: {spiffe_id: \"spiffe://td/db\"}\n",
                        "f.yaml:6:7: [1].mode: mode monitor contradicts policy 'a', which applies to the same workloads in enforce mode"),
                Arguments.of("duplicate names", "name: a\nmode: enforce\napplies_to: {spiffe_id: \"spiffe://td/db\"}\n---\nname: a\nmode: enforce\napplies_to: {spiffe_id: \"spiffe://td/x\"}\n",
                        "f.yaml:5:7: [1].name: duplicate policy name 'a' (first at f.yaml:1)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void rejectsWithThePreciseError(String name, String yaml, String expected) {
        assertThatThrownBy(() -> PolicyParser.parse(1, PolicySource.of("f.yaml", yaml)))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e ->
                        assertThat(e.errors()).extracting(PolicyError::toString).containsExactly(expected));
    }

    @Test
    void reportsEveryErrorAtOnce() {
        String yaml = "name: p\nmode: enforce\napplies_to: {spiffe_id: \"spiffe://td/db\"}\nfoo: 1\ningress:\n"
                + "  - from: [{spiffe_id: \"bad\"}]\n    ports: [0]\n";
        assertThatThrownBy(() -> PolicyParser.parse(1, PolicySource.of("f.yaml", yaml)))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors()).hasSize(3));
    }

    @Test
    void duplicateNamesAcrossFiles() {
        String a = "name: a\nmode: enforce\napplies_to: {spiffe_id: \"spiffe://td/db\"}\n";
        String b = "name: a\nmode: enforce\napplies_to: {spiffe_id: \"spiffe://td/x\"}\n";
        assertThatThrownBy(() -> PolicyParser.parse(1, List.of(PolicySource.of("a.yaml", a), PolicySource.of("b.yaml", b))))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors()).extracting(PolicyError::toString)
                        .containsExactly("b.yaml:1:7: name: duplicate policy name 'a' (first at a.yaml:1)"));
    }

    @Test
    void hugeFilesAreRefusedBeforeParsing() {
        byte[] big = new byte[PolicyParser.MAX_FILE_BYTES + 1];
        java.util.Arrays.fill(big, (byte) '[');
        assertThatThrownBy(() -> PolicyParser.parse(1, new PolicySource("big.yaml", big)))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors()).extracting(PolicyError::toString)
                        .containsExactly("big.yaml:0:0: file is 1048577 bytes; at most 1048576 are accepted"));
    }

    @Test
    void tooManyRulesAreRefused() {
        StringBuilder b = new StringBuilder("name: p\nmode: enforce\napplies_to: {spiffe_id: \"spiffe://td/db\"}\ningress:\n");
        for (int i = 0; i <= PolicyParser.MAX_RULES; i++) {
            b.append("- {from: [{spiffe_id: \"spiffe://td/a").append(i).append("\"}]}\n");
        }
        assertThatThrownBy(() -> PolicyParser.parse(1, PolicySource.of("many.yaml", b.toString())))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors()).extracting(PolicyError::toString)
                        .containsExactly("many.yaml:0:0: the policy files hold 10001 rules; at most 10000 are accepted"));
    }

    @Test
    void deepNestingIsRefused() {
        String yaml = "name: p\nx: " + "[".repeat(200) + "]".repeat(200) + "\n";
        assertThatThrownBy(() -> PolicyParser.parse(1, PolicySource.of("deep.yaml", yaml)))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors()).hasSize(1));
    }

    @Test
    void randomBytesNeverEscapeAsAnythingButInvalidPolicy() {
        Random random = new Random(6);
        byte[] alphabet = "name: mode applies_to ingress from ports - [ ] { } : , \" ' & * ! | > # \n\t spiffe://td/ 10.0.0.0/8 5432 \u00ff"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<Throwable> unexpected = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            byte[] input = new byte[random.nextInt(200)];
            for (int j = 0; j < input.length; j++) {
                input[j] = i % 2 == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) random.nextInt(256);
            }
            try {
                PolicyParser.parse(1, new PolicySource("r.yaml", input));
            } catch (InvalidPolicyException expected) {
                assertThat(expected.errors()).isNotEmpty();
            } catch (RuntimeException e) {
                unexpected.add(e);
            }
        }
        assertThat(unexpected).isEmpty();
    }

    private static PolicySource protecting(String name, String mode, String id, int port) {
        return PolicySource.of(name + ".yaml", "name: " + name + "\nmode: " + mode
                + "\napplies_to: {spiffe_id: " + id + "}\ningress:\n  - from: [{spiffe_id: spiffe://td/c}]\n    ports: ["
                + port + "]\n");
    }

    @Test
    void aCachedParseGivesTheSameSetAndStillChecksAcrossSources() throws Exception {
        List<PolicySource> sources = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sources.add(protecting("p" + i, "enforce", "spiffe://td/w" + i, 1000 + i));
        }
        PolicyParser.Cache cache = new PolicyParser.Cache();
        PolicySet first = PolicyParser.parse(3, sources, cache);
        assertThat(first).isEqualTo(PolicyParser.parse(3, sources));
        assertThat(cache.size()).isEqualTo(50);

        // One source changed, one added: the same set as an uncached parse.
        sources.set(7, protecting("p7", "enforce", "spiffe://td/w7", 7777));
        sources.add(protecting("q", "monitor", "spiffe://td/q", 80));
        assertThat(PolicyParser.parse(4, sources, cache)).isEqualTo(PolicyParser.parse(4, sources));
        assertThat(cache.size()).isEqualTo(51);

        // A new source contradicting a cached one is refused with the uncached parse's message,
        // and the cache keeps the last good parse.
        List<PolicySource> conflicting = new ArrayList<>(sources);
        conflicting.add(protecting("late", "monitor", "spiffe://td/w3", 9));
        String expected = "late.yaml:2:7: mode: mode monitor contradicts policy 'p3', which applies to the same workloads in enforce mode";
        assertThatThrownBy(() -> PolicyParser.parse(5, conflicting, cache))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors())
                        .extracting(PolicyError::toString).containsExactly(expected));
        assertThatThrownBy(() -> PolicyParser.parse(5, conflicting))
                .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.errors())
                        .extracting(PolicyError::toString).containsExactly(expected));
        assertThat(cache.size()).isEqualTo(51);

        // Duplicate names across cached sources are still found.
        List<PolicySource> duplicate = new ArrayList<>(sources);
        duplicate.add(PolicySource.of("copy.yaml", "name: p1\nmode: enforce\napplies_to: {spiffe_id: spiffe://td/x}\n"));
        assertThatThrownBy(() -> PolicyParser.parse(6, duplicate, cache))
                .isInstanceOf(InvalidPolicyException.class).hasMessageContaining("duplicate policy name 'p1'");
    }
}
