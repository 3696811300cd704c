package io.synid.core.spiffeid;

import static io.synid.core.spiffeid.InvalidSpiffeIdException.BAD_PATH_SEGMENT_CHAR;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.BAD_TRUST_DOMAIN_CHAR;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.DOT_SEGMENT;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.EMPTY;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.EMPTY_SEGMENT;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.FRAGMENT_NOT_ALLOWED;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.MISSING_TRUST_DOMAIN;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.NO_LEADING_SLASH;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.PERCENT_ENCODED;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.PORT_NOT_ALLOWED;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.QUERY_NOT_ALLOWED;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.SCHEME_NOT_LOWERCASE;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.SEGMENT_CONTAINS_SLASH;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.TOO_LONG;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.TRAILING_SLASH;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.TRUST_DOMAIN_HAS_PATH;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.TRUST_DOMAIN_TOO_LONG;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.USERINFO_NOT_ALLOWED;
import static io.synid.core.spiffeid.InvalidSpiffeIdException.WRONG_SCHEME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpiffeIdTest {

    private static final String TD_255 = "a".repeat(255);

    static Stream<Arguments> malformedIds() {
        return Stream.of(
                Arguments.of("", EMPTY),
                Arguments.of("example.org/workload", WRONG_SCHEME),
                Arguments.of("http://example.org/workload", WRONG_SCHEME),
                Arguments.of("https://example.org", WRONG_SCHEME),
                Arguments.of("spiffe:/example.org/workload", WRONG_SCHEME),
                Arguments.of("spiffe:example.org", WRONG_SCHEME),
                Arguments.of("spiffe//example.org", WRONG_SCHEME),
                Arguments.of(" spiffe://example.org", WRONG_SCHEME),
                Arguments.of("SPIFFE://example.org/workload", SCHEME_NOT_LOWERCASE),
                Arguments.of("Spiffe://example.org", SCHEME_NOT_LOWERCASE),
                Arguments.of("spiffe://", MISSING_TRUST_DOMAIN),
                Arguments.of("spiffe:///workload", MISSING_TRUST_DOMAIN),
                Arguments.of("spiffe://Example.org/workload", BAD_TRUST_DOMAIN_CHAR),
                Arguments.of("spiffe://exa mple.org", BAD_TRUST_DOMAIN_CHAR),
                Arguments.of("spiffe://exämple.org", BAD_TRUST_DOMAIN_CHAR),
                Arguments.of("spiffe://example.org\\workload", BAD_TRUST_DOMAIN_CHAR),
                Arguments.of("spiffe://[::1]/workload", BAD_TRUST_DOMAIN_CHAR),
                Arguments.of("spiffe://example.org\t/workload", BAD_TRUST_DOMAIN_CHAR),
                Arguments.of("spiffe://example.org:8080/workload", PORT_NOT_ALLOWED),
                Arguments.of("spiffe://example.org:/workload", PORT_NOT_ALLOWED),
                Arguments.of("spiffe://example.org:", PORT_NOT_ALLOWED),
                Arguments.of("spiffe://user@example.org/workload", USERINFO_NOT_ALLOWED),
                Arguments.of("spiffe://user:secret@example.org", USERINFO_NOT_ALLOWED),
                Arguments.of("spiffe://example.org?x=1", QUERY_NOT_ALLOWED),
                Arguments.of("spiffe://example.org/workload?x=1", QUERY_NOT_ALLOWED),
                Arguments.of("spiffe://example.org#fragment", FRAGMENT_NOT_ALLOWED),
                Arguments.of("spiffe://example.org/workload#fragment", FRAGMENT_NOT_ALLOWED),
                Arguments.of("spiffe://example.org/work%20load", PERCENT_ENCODED),
                Arguments.of("spiffe://exa%41mple.org", PERCENT_ENCODED),
                Arguments.of("spiffe://example.org/", TRAILING_SLASH),
                Arguments.of("spiffe://example.org/workload/", TRAILING_SLASH),
                Arguments.of("spiffe://example.org//workload", EMPTY_SEGMENT),
                Arguments.of("spiffe://example.org/a//b", EMPTY_SEGMENT),
                Arguments.of("spiffe://example.org//", EMPTY_SEGMENT),
                Arguments.of("spiffe://example.org/.", DOT_SEGMENT),
                Arguments.of("spiffe://example.org/..", DOT_SEGMENT),
                Arguments.of("spiffe://example.org/a/./b", DOT_SEGMENT),
                Arguments.of("spiffe://example.org/a/../b", DOT_SEGMENT),
                Arguments.of("spiffe://example.org/./", DOT_SEGMENT),
                Arguments.of("spiffe://example.org/work load", BAD_PATH_SEGMENT_CHAR),
                Arguments.of("spiffe://example.org/workload$", BAD_PATH_SEGMENT_CHAR),
                Arguments.of("spiffe://example.org/wörkload", BAD_PATH_SEGMENT_CHAR),
                Arguments.of("spiffe://example.org/workload\n", BAD_PATH_SEGMENT_CHAR),
                Arguments.of("spiffe://example.org/\u0000", BAD_PATH_SEGMENT_CHAR),
                Arguments.of("spiffe://example.org/a:b", BAD_PATH_SEGMENT_CHAR),
                Arguments.of("spiffe://example.org/a@b", BAD_PATH_SEGMENT_CHAR),
                Arguments.of("spiffe://example.org/~user", BAD_PATH_SEGMENT_CHAR),
                Arguments.of("spiffe://example.org/a+b", BAD_PATH_SEGMENT_CHAR),
                Arguments.of("spiffe://example.org/a\\b", BAD_PATH_SEGMENT_CHAR),
                Arguments.of("spiffe://" + "a".repeat(256), TRUST_DOMAIN_TOO_LONG),
                Arguments.of("spiffe://" + "a".repeat(256) + "/workload", TRUST_DOMAIN_TOO_LONG),
                Arguments.of("spiffe://example.org/" + "a".repeat(2048 - 21 + 1), TOO_LONG),
                Arguments.of("spiffe://example.org/" + "a/".repeat(2000), TOO_LONG));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("malformedIds")
    void rejectsMalformedIdsWithThePreciseReason(String input, String expectedMessage) {
        assertThatThrownBy(() -> SpiffeId.parse(input))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessage(expectedMessage);
    }

    @Test
    void tableHasAtLeastThirtyMalformedIds() {
        assertThat(malformedIds().count()).isGreaterThanOrEqualTo(30);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "spiffe://example.org",
            "spiffe://example.org/workload",
            "spiffe://a.b-c_d.0/Foo/BAR/baz_1-2.3",
            "spiffe://example.org/.../....",
            "spiffe://example.org/.a/a./a..b",
            "spiffe://1.2.3.4/x",
            "spiffe://-/_",
            "spiffe://example.org/ns/default/sa/web"})
    void acceptsValidIdsAndRoundTrips(String input) throws Exception {
        SpiffeId id = SpiffeId.parse(input);
        assertThat(id.toString()).isEqualTo(input);
        assertThat(SpiffeId.parse(id.toString())).isEqualTo(id).hasSameHashCodeAs(id);
    }

    @Test
    void acceptsTheLongestTrustDomainAndTheLongestId() throws Exception {
        assertThat(SpiffeId.parse("spiffe://" + TD_255).trustDomain().name()).hasSize(255);
        String longest = "spiffe://example.org/" + "a".repeat(SpiffeId.MAX_LENGTH - 21);
        assertThat(longest).hasSize(2048);
        assertThat(SpiffeId.parse(longest).toString()).isEqualTo(longest);
    }

    @Test
    void exposesTrustDomainAndPath() throws Exception {
        SpiffeId id = SpiffeId.parse("spiffe://example.org/ns/prod/sa/web");
        assertThat(id.trustDomain()).isEqualTo(TrustDomain.parse("example.org"));
        assertThat(id.path()).isEqualTo("/ns/prod/sa/web");
        assertThat(id.isMemberOf(TrustDomain.parse("example.org"))).isTrue();
        assertThat(id.isMemberOf(TrustDomain.parse("example.com"))).isFalse();
        assertThat(id.isTrustDomainId()).isFalse();
        assertThat(SpiffeId.parse("spiffe://example.org").isTrustDomainId()).isTrue();
    }

    @Test
    void ofBuildsFromTrustDomainAndPath() throws Exception {
        TrustDomain td = TrustDomain.parse("example.org");
        assertThat(SpiffeId.of(td, "/a/b").toString()).isEqualTo("spiffe://example.org/a/b");
        assertThat(SpiffeId.of(td, "")).isEqualTo(td.spiffeId());
        assertThatThrownBy(() -> SpiffeId.of(td, "a/b")).hasMessage(NO_LEADING_SLASH);
        assertThatThrownBy(() -> SpiffeId.of(td, "/a/")).hasMessage(TRAILING_SLASH);
        assertThatThrownBy(() -> SpiffeId.of(td, "/a/../b")).hasMessage(DOT_SEGMENT);
        assertThatThrownBy(() -> SpiffeId.of(td, "/a?b")).hasMessage(QUERY_NOT_ALLOWED);
        assertThatThrownBy(() -> SpiffeId.of(td, "/" + "a".repeat(2048))).hasMessage(TOO_LONG);
    }

    @Test
    void fromSegmentsJoinsValidSegments() throws Exception {
        TrustDomain td = TrustDomain.parse("example.org");
        assertThat(SpiffeId.fromSegments(td, "spire", "agent", "join_token", "abc-123").toString())
                .isEqualTo("spiffe://example.org/spire/agent/join_token/abc-123");
        assertThat(SpiffeId.fromSegments(td)).isEqualTo(td.spiffeId());
        assertThatThrownBy(() -> SpiffeId.fromSegments(td, "a/b")).hasMessage(SEGMENT_CONTAINS_SLASH);
        assertThatThrownBy(() -> SpiffeId.fromSegments(td, "a", "")).hasMessage(TRAILING_SLASH);
        assertThatThrownBy(() -> SpiffeId.fromSegments(td, "", "a")).hasMessage(EMPTY_SEGMENT);
        assertThatThrownBy(() -> SpiffeId.fromSegments(td, "..")).hasMessage(DOT_SEGMENT);
        assertThatThrownBy(() -> SpiffeId.fromSegments(td, "a b")).hasMessage(BAD_PATH_SEGMENT_CHAR);
    }

    @Test
    void equalityFollowsTheCanonicalString() throws Exception {
        assertThat(SpiffeId.parse("spiffe://example.org/A")).isNotEqualTo(SpiffeId.parse("spiffe://example.org/a"));
        assertThat(SpiffeId.parse("spiffe://example.org/a")).isEqualTo(SpiffeId.of(TrustDomain.parse("example.org"), "/a"));
        assertThat(SpiffeId.parse("spiffe://a.org/x")).isLessThan(SpiffeId.parse("spiffe://b.org/x"));
    }

    @Test
    void trustDomainParsesNamesAndIds() throws Exception {
        TrustDomain byName = TrustDomain.parse("example.org");
        TrustDomain byId = TrustDomain.parse("spiffe://example.org");
        assertThat(byName).isEqualTo(byId).hasSameHashCodeAs(byId);
        assertThat(byName.name()).isEqualTo("example.org");
        assertThat(byName.toString()).isEqualTo("example.org");
        assertThat(byName.idString()).isEqualTo("spiffe://example.org");
        assertThat(byName.spiffeId().toString()).isEqualTo("spiffe://example.org");
        assertThat(byName.spiffeId().path()).isEmpty();
        assertThat(TrustDomain.parse(TD_255).name()).isEqualTo(TD_255);
    }

    static Stream<Arguments> malformedTrustDomains() {
        return Stream.of(
                Arguments.of("", MISSING_TRUST_DOMAIN),
                Arguments.of("Example.org", BAD_TRUST_DOMAIN_CHAR),
                Arguments.of("example org", BAD_TRUST_DOMAIN_CHAR),
                Arguments.of("example.org/path", BAD_TRUST_DOMAIN_CHAR),
                Arguments.of("example.org:8080", PORT_NOT_ALLOWED),
                Arguments.of("user@example.org", USERINFO_NOT_ALLOWED),
                Arguments.of("exa%41mple.org", PERCENT_ENCODED),
                Arguments.of("a".repeat(256), TRUST_DOMAIN_TOO_LONG),
                Arguments.of("spiffe://example.org/path", TRUST_DOMAIN_HAS_PATH),
                Arguments.of("spiffe://", MISSING_TRUST_DOMAIN),
                Arguments.of("spiffe:/example.org", WRONG_SCHEME),
                Arguments.of("SPIFFE://example.org", SCHEME_NOT_LOWERCASE),
                Arguments.of("spiffe://example.org/", TRAILING_SLASH),
                Arguments.of("https://example.org", WRONG_SCHEME));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("malformedTrustDomains")
    void rejectsMalformedTrustDomains(String input, String expectedMessage) {
        assertThatThrownBy(() -> TrustDomain.parse(input))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessage(expectedMessage);
    }
}
