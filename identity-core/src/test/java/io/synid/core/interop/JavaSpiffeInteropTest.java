package io.synid.core.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.exception.JwtSvidException;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import io.synid.core.bundle.BundleJson;
import io.synid.core.bundle.BundlePem;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.jwt.JwtKey;
import io.synid.core.jwt.JwtSvidSigner;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.KeyType;
import io.synid.core.x509.Pem;
import io.synid.core.x509.SigningAuthority;
import io.synid.core.x509.X509AuthorityFactory;
import io.synid.core.x509.X509SvidSigner;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks our SVIDs and bundles with java-spiffe, an independent SPIFFE implementation. java-spiffe
 * validates against the real clock, so these tests use {@link Instant#now()}.
 */
class JavaSpiffeInteropTest {

    private static final TrustDomain TD = trustDomain("example.org");
    private static final io.spiffe.spiffeid.TrustDomain THEIR_TD = io.spiffe.spiffeid.TrustDomain.parse("example.org");
    private static final SpiffeId WORKLOAD = spiffeId("spiffe://example.org/ns/prod/sa/web");

    private static TrustDomain trustDomain(String name) {
        try {
            return TrustDomain.parse(name);
        } catch (InvalidSpiffeIdException e) {
            throw new AssertionError(e);
        }
    }

    private static SpiffeId spiffeId(String id) {
        try {
            return SpiffeId.parse(id);
        } catch (InvalidSpiffeIdException e) {
            throw new AssertionError(e);
        }
    }

    static Stream<Arguments> keyTypePairs() {
        List<Arguments> pairs = new ArrayList<>();
        for (KeyType ca : KeyType.values()) {
            for (KeyType leaf : KeyType.values()) {
                pairs.add(Arguments.of(ca, leaf));
            }
        }
        return pairs.stream();
    }

    @ParameterizedTest(name = "CA {0}, leaf {1}")
    @MethodSource("keyTypePairs")
    void x509SvidFromASelfSignedCaPassesJavaSpiffe(KeyType caType, KeyType leafType) throws Exception {
        Instant now = Instant.now();
        SigningAuthority ca = X509AuthorityFactory.newSelfSignedAuthority(caType, TD, Duration.ofHours(2), now);
        KeyPair leafKey = leafType.generate();
        X509Certificate leaf = X509SvidSigner.signSvid(ca, leafKey.getPublic(), WORKLOAD, List.of("web.example.org"),
                Duration.ofHours(1), now);

        X509Svid raw = X509Svid.parseRaw(leaf.getEncoded(), leafKey.getPrivate().getEncoded());
        assertThat(raw.getSpiffeId().toString()).isEqualTo(WORKLOAD.toString());
        assertThat(raw.getLeaf()).isEqualTo(leaf);

        X509Svid pem = X509Svid.parse(Pem.encodeCertificate(leaf).getBytes(StandardCharsets.US_ASCII),
                Pem.encodePrivateKey(leafKey.getPrivate()).getBytes(StandardCharsets.US_ASCII));
        assertThat(pem.getSpiffeId()).isEqualTo(raw.getSpiffeId());

        X509Bundle bundle = new X509Bundle(THEIR_TD, Set.of(ca.certificate()));
        X509SvidValidator.verifyChain(List.of(leaf), bundle);
        X509SvidValidator.verifySpiffeId(leaf, () -> Set.of(io.spiffe.spiffeid.SpiffeId.parse(WORKLOAD.toString())));
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void x509SvidFromAnIntermediateUnderAnUpstreamRootPassesJavaSpiffe(KeyType type) throws Exception {
        Instant now = Instant.now();
        SigningAuthority upstream = X509AuthorityFactory.newSelfSignedAuthority(type, TD, Duration.ofDays(1), now);
        SigningAuthority intermediate = X509AuthorityFactory.newIntermediateAuthority(upstream, type, TD,
                Duration.ofHours(6), now);
        KeyPair leafKey = type.generate();
        X509Certificate leaf = X509SvidSigner.signSvid(intermediate, leafKey.getPublic(), WORKLOAD, List.of(),
                Duration.ofHours(1), now);
        List<X509Certificate> chain = List.of(leaf, intermediate.certificate());

        X509Svid svid = X509Svid.parseRaw(concatenate(chain), leafKey.getPrivate().getEncoded());
        assertThat(svid.getChain()).containsExactlyElementsOf(chain);
        assertThat(svid.getSpiffeId().toString()).isEqualTo(WORKLOAD.toString());

        X509SvidValidator.verifyChain(chain, new X509Bundle(THEIR_TD, Set.of(upstream.certificate())));

        // Without the intermediate in the chain, or against another root, validation fails.
        assertThatThrownBy(() -> X509SvidValidator.verifyChain(List.of(leaf),
                new X509Bundle(THEIR_TD, Set.of(upstream.certificate()))))
                .isInstanceOf(CertificateException.class);
        SigningAuthority stranger = X509AuthorityFactory.newSelfSignedAuthority(type, TD, Duration.ofDays(1), now);
        assertThatThrownBy(() -> X509SvidValidator.verifyChain(chain,
                new X509Bundle(THEIR_TD, Set.of(stranger.certificate()))))
                .isInstanceOf(CertificateException.class);
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void jwtSvidPassesJavaSpiffeWithOurJwtBundle(KeyType type) throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        KeyPair authority = type.generate();
        JwtKey key = new JwtKey("kid-" + type.configName(), authority.getPublic(), now.plus(Duration.ofDays(1)));
        String token = JwtSvidSigner.sign(authority.getPrivate(), type, key.keyId(), WORKLOAD, List.of("db", "cache"),
                now.plusSeconds(300), now);

        JwtBundle bundle = JwtBundle.parse(THEIR_TD, BundleJson.encodeJwks(List.of(key)).getBytes(StandardCharsets.UTF_8));
        assertThat(bundle.getJwtAuthorities()).containsOnlyKeys(key.keyId());

        JwtSvid svid = JwtSvid.parseAndValidate(token, bundle, Set.of("db"));
        assertThat(svid.getSpiffeId().toString()).isEqualTo(WORKLOAD.toString());
        assertThat(svid.getAudience()).containsExactlyInAnyOrder("db", "cache");
        assertThat(svid.getExpiry().toInstant()).isEqualTo(now.plusSeconds(300));

        assertThatThrownBy(() -> JwtSvid.parseAndValidate(token, bundle, Set.of("someone-else")))
                .isInstanceOf(JwtSvidException.class);
        JwtBundle otherKey = new JwtBundle(THEIR_TD, Map.of(key.keyId(), type.generate().getPublic()));
        assertThatThrownBy(() -> JwtSvid.parseAndValidate(token, otherKey, Set.of("db")))
                .isInstanceOf(JwtSvidException.class);
    }

    @Test
    void ourBundleDocumentFeedsJavaSpiffeBundles() throws Exception {
        Instant now = Instant.now();
        List<SigningAuthority> cas = new ArrayList<>();
        List<JwtKey> jwtKeys = new ArrayList<>();
        Map<KeyType, KeyPair> jwtKeyPairs = new LinkedHashMap<>();
        for (KeyType type : KeyType.values()) {
            cas.add(X509AuthorityFactory.newSelfSignedAuthority(type, TD, Duration.ofHours(2), now));
            KeyPair keyPair = type.generate();
            jwtKeyPairs.put(type, keyPair);
            jwtKeys.add(new JwtKey(type.configName(), keyPair.getPublic(), now.plus(Duration.ofDays(1))));
        }
        TrustBundle ours = new TrustBundle(TD, cas.stream().map(SigningAuthority::certificate).toList(), jwtKeys, 7,
                Duration.ofMinutes(5));
        String json = BundleJson.encode(ours);

        // An independent JWK parser reads every key; x509-svid keys carry their certificate in x5c and
        // key parameters that match it.
        JWKSet set = JWKSet.parse(json);
        List<X509Certificate> fromX5c = new ArrayList<>();
        for (JWK jwk : set.getKeys()) {
            if (jwk.getKeyUse().getValue().equals("x509-svid")) {
                assertThat(jwk.getX509CertChain()).hasSize(1);
                X509Certificate certificate = Pem.certificateFromDer(jwk.getX509CertChain().get(0).decode());
                assertThat(jwk.toPublicJWK().getKeyID()).isNull();
                assertThat(certificate.getPublicKey().getEncoded()).isEqualTo(
                        (jwk.getKeyType().getValue().equals("EC") ? jwk.toECKey().toPublicKey() : jwk.toRSAKey().toPublicKey())
                                .getEncoded());
                fromX5c.add(certificate);
            } else {
                assertThat(jwk.getKeyUse().getValue()).isEqualTo("jwt-svid");
                assertThat(jwk.getKeyID()).isNotBlank();
            }
        }
        assertThat(fromX5c).containsExactlyElementsOf(ours.x509Authorities());

        // java-spiffe's X.509 bundle from the x5c certificates (DER) and from our PEM form.
        X509Bundle x509FromJson = X509Bundle.parse(THEIR_TD, concatenate(fromX5c));
        X509Bundle x509FromPem = X509Bundle.parse(THEIR_TD, BundlePem.encode(ours.x509Authorities())
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(x509FromJson.getX509Authorities()).isEqualTo(new HashSet<>(ours.x509Authorities()));
        assertThat(x509FromPem.getX509Authorities()).isEqualTo(new HashSet<>(ours.x509Authorities()));
        for (SigningAuthority ca : cas) {
            KeyPair leafKey = KeyType.EC_P256.generate();
            X509Certificate leaf = X509SvidSigner.signSvid(ca, leafKey.getPublic(), WORKLOAD, List.of(),
                    Duration.ofMinutes(30), now);
            X509SvidValidator.verifyChain(List.of(leaf), x509FromJson);
        }

        // java-spiffe's JWT bundle from the jwt-svid keys of our document (it requires a kid on every
        // key, so the x509-svid entries are left out, as the Workload API does).
        Map<String, Object> document = JSONObjectUtils.parse(json);
        List<Object> jwtOnly = new ArrayList<>();
        for (Object key : (List<?>) document.get("keys")) {
            if ("jwt-svid".equals(((Map<?, ?>) key).get("use"))) {
                jwtOnly.add(key);
            }
        }
        JwtBundle jwtBundle = JwtBundle.parse(THEIR_TD,
                JSONObjectUtils.toJSONString(Map.of("keys", jwtOnly)).getBytes(StandardCharsets.UTF_8));
        assertThat(jwtBundle.getJwtAuthorities()).containsOnlyKeys("ec-p256", "ec-p384", "rsa-2048");
        for (Map.Entry<KeyType, KeyPair> entry : jwtKeyPairs.entrySet()) {
            String token = JwtSvidSigner.sign(entry.getValue().getPrivate(), entry.getKey(), entry.getKey().configName(),
                    WORKLOAD, List.of("db"), now.plusSeconds(120), now);
            assertThat(JwtSvid.parseAndValidate(token, jwtBundle, Set.of("db")).getSpiffeId().toString())
                    .isEqualTo(WORKLOAD.toString());
        }
    }

    @Test
    void javaSpiffeAgreesWithOurSpiffeIdVerdicts() {
        List<String> valid = List.of("spiffe://example.org", "spiffe://example.org/a/b", "spiffe://a.b-c_d.0/Foo/.../x");
        for (String id : valid) {
            assertThat(io.spiffe.spiffeid.SpiffeId.parse(id).toString()).isEqualTo(spiffeId(id).toString());
        }
        List<String> invalid = List.of("spiffe://example.org/", "spiffe://example.org//a",
                "spiffe://example.org/./a", "spiffe://example.org/a/..", "spiffe://example.org:80/a",
                "spiffe://user@example.org", "spiffe://example.org/a?b", "spiffe://example.org/a#b",
                "spiffe://example.org/a%20b", "spiffe:///a", "http://example.org");
        for (String id : invalid) {
            assertThatThrownBy(() -> SpiffeId.parse(id)).isInstanceOf(InvalidSpiffeIdException.class);
            assertThatThrownBy(() -> io.spiffe.spiffeid.SpiffeId.parse(id)).as(id).isInstanceOf(RuntimeException.class);
        }
        // java-spiffe lowercases its input before parsing; the SPIFFE-ID standard (and go-spiffe) reject
        // uppercase schemes and trust domains, and so do we.
        for (String id : List.of("spiffe://Example.org", "SPIFFE://example.org")) {
            assertThatThrownBy(() -> SpiffeId.parse(id)).isInstanceOf(InvalidSpiffeIdException.class);
            assertThat(io.spiffe.spiffeid.SpiffeId.parse(id).toString()).isEqualTo("spiffe://example.org");
        }
    }

    private static byte[] concatenate(List<X509Certificate> certificates) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (X509Certificate certificate : certificates) {
            out.write(certificate.getEncoded());
        }
        return out.toByteArray();
    }
}
