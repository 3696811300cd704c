package io.synid.core.bundle;

import static io.synid.core.bundle.InvalidBundleException.DUPLICATE_KEY_ID;
import static io.synid.core.bundle.InvalidBundleException.INVALID_KEY;
import static io.synid.core.bundle.InvalidBundleException.INVALID_REFRESH_HINT;
import static io.synid.core.bundle.InvalidBundleException.INVALID_SEQUENCE;
import static io.synid.core.bundle.InvalidBundleException.INVALID_X5C;
import static io.synid.core.bundle.InvalidBundleException.KEYS_NOT_ARRAY;
import static io.synid.core.bundle.InvalidBundleException.KEY_NOT_OBJECT;
import static io.synid.core.bundle.InvalidBundleException.MALFORMED_JSON;
import static io.synid.core.bundle.InvalidBundleException.MISSING_KEYS;
import static io.synid.core.bundle.InvalidBundleException.MISSING_KEY_ID;
import static io.synid.core.bundle.InvalidBundleException.MISSING_KEY_TYPE;
import static io.synid.core.bundle.InvalidBundleException.TOO_LARGE;
import static io.synid.core.bundle.InvalidBundleException.USE_NOT_STRING;
import static io.synid.core.bundle.InvalidBundleException.X5C_COUNT;
import static io.synid.core.bundle.InvalidBundleException.X5C_KEY_MISMATCH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.synid.core.jwt.JwtKey;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.KeyType;
import io.synid.core.x509.Pem;
import io.synid.core.x509.SigningAuthority;
import io.synid.core.x509.X509AuthorityFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BundleJsonTest {

    static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");
    static final TrustDomain TD = td("example.org");
    static final List<SigningAuthority> CAS = List.of(
            X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256, TD, Duration.ofDays(1), NOW),
            X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P384, TD, Duration.ofDays(1), NOW),
            X509AuthorityFactory.newSelfSignedAuthority(KeyType.RSA_2048, TD, Duration.ofDays(1), NOW));
    static final List<JwtKey> JWT_KEYS = List.of(
            new JwtKey("jwt-ec256", KeyType.EC_P256.generate().getPublic(), NOW.plusSeconds(3600)),
            new JwtKey("jwt-ec384", KeyType.EC_P384.generate().getPublic(), NOW.plusSeconds(3600)),
            new JwtKey("jwt-rsa", KeyType.RSA_2048.generate().getPublic(), NOW.plusSeconds(3600)));
    static final TrustBundle BUNDLE = new TrustBundle(TD, CAS.stream().map(SigningAuthority::certificate).toList(),
            JWT_KEYS, 42, Duration.ofMinutes(5));

    static TrustDomain td(String name) {
        try {
            return TrustDomain.parse(name);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void roundTripsEveryKeyType() throws Exception {
        TrustBundle decoded = BundleJson.decode(TD, BundleJson.encode(BUNDLE));

        assertThat(decoded.trustDomain()).isEqualTo(TD);
        assertThat(decoded.x509Authorities()).containsExactlyElementsOf(BUNDLE.x509Authorities());
        assertThat(decoded.jwtAuthorities()).extracting(JwtKey::keyId).containsExactly("jwt-ec256", "jwt-ec384", "jwt-rsa");
        assertThat(decoded.jwtAuthorities()).extracting(JwtKey::publicKey)
                .containsExactlyElementsOf(JWT_KEYS.stream().map(JwtKey::publicKey).toList());
        assertThat(decoded.jwtAuthorities()).allMatch(key -> !key.hasExpiry());
        assertThat(decoded.sequenceNumber()).isEqualTo(42);
        assertThat(decoded.refreshHint()).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void encodesTheSpiffeBundleFormat() throws Exception {
        Map<String, Object> document = JSONObjectUtils.parse(BundleJson.encode(BUNDLE));

        assertThat(document).containsEntry("spiffe_sequence", 42L).containsEntry("spiffe_refresh_hint", 300L);
        List<Map<String, Object>> keys = keys(document);
        assertThat(keys).hasSize(6);
        for (int i = 0; i < 3; i++) {
            Map<String, Object> key = keys.get(i);
            assertThat(key).containsEntry("use", "x509-svid").doesNotContainKeys("kid", "d", "p", "q");
            List<?> x5c = (List<?>) key.get("x5c");
            assertThat(x5c).hasSize(1);
            assertThat(Base64.getDecoder().decode((String) x5c.get(0))).isEqualTo(CAS.get(i).certificate().getEncoded());
        }
        assertThat(keys.get(0)).containsEntry("kty", "EC").containsEntry("crv", "P-256").containsKeys("x", "y");
        assertThat(keys.get(1)).containsEntry("kty", "EC").containsEntry("crv", "P-384").containsKeys("x", "y");
        assertThat(keys.get(2)).containsEntry("kty", "RSA").containsEntry("e", "AQAB").containsKey("n");
        for (int i = 3; i < 6; i++) {
            assertThat(keys.get(i)).containsEntry("use", "jwt-svid").containsEntry("kid", JWT_KEYS.get(i - 3).keyId())
                    .doesNotContainKeys("x5c", "d");
        }
    }

    @Test
    void padsEcCoordinatesToTheFieldSizeAsRfc7518Requires() throws Exception {
        // Find a key whose x or y coordinate has a leading zero byte (1 in 128 keys on average).
        ECPublicKey key = null;
        for (int i = 0; i < 5_000 && key == null; i++) {
            ECPublicKey candidate =
                    (ECPublicKey) KeyType.EC_P256.generate().getPublic();
            if (candidate.getW().getAffineX().bitLength() <= 248 || candidate.getW().getAffineY().bitLength() <= 248) {
                key = candidate;
            }
        }
        assertThat(key).isNotNull();
        Map<String, Object> jwk = keys(JSONObjectUtils.parse(BundleJson.encodeJwks(List.of(JwtKey.withoutExpiry("k", key)))))
                .get(0);
        assertThat(Base64.getUrlDecoder().decode((String) jwk.get("x"))).hasSize(32);
        assertThat(Base64.getUrlDecoder().decode((String) jwk.get("y"))).hasSize(32);
        assertThat(BundleJson.decodeJwks(BundleJson.encodeJwks(List.of(JwtKey.withoutExpiry("k", key)))).get(0).publicKey())
                .isEqualTo(key);
    }

    @Test
    void encodesPlainJwksForWorkloads() throws Exception {
        String jwks = BundleJson.encodeJwks(JWT_KEYS);
        Map<String, Object> document = JSONObjectUtils.parse(jwks);

        assertThat(document).containsOnlyKeys("keys");
        assertThat(keys(document)).extracting(key -> key.get("kid")).containsExactly("jwt-ec256", "jwt-ec384", "jwt-rsa");
        assertThat(BundleJson.decodeJwks(jwks)).extracting(JwtKey::keyId).containsExactly("jwt-ec256", "jwt-ec384", "jwt-rsa");
        assertThat(BundleJson.decodeJwks(BundleJson.encode(BUNDLE))).hasSize(3);
    }

    @Test
    void ignoresUnknownUsesKeyTypesCurvesAndMembers() throws Exception {
        String json = mutate(BundleJson.encode(BUNDLE), document -> {
            List<Map<String, Object>> keys = keys(document);
            keys.add(Map.of("use", "wit-svid", "kty", "EC", "crv", "P-256", "x", "garbage"));
            keys.add(Map.of("use", "sig", "kty", "RSA"));
            keys.add(Map.of("kty", "EC", "crv", "P-256"));
            keys.add(Map.of("use", "x509-svid", "kty", "OKP", "crv", "Ed25519", "x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"));
            keys.add(Map.of("use", "jwt-svid", "kty", "oct", "k", "c2VjcmV0", "kid", "hmac"));
            keys.add(Map.of("use", "jwt-svid", "kty", "EC", "crv", "secp256k1", "kid", "k1", "x", "a", "y", "b"));
            document.put("spiffe_future_member", List.of(1, 2));
        });

        TrustBundle decoded = BundleJson.decode(TD, json);
        assertThat(decoded.x509Authorities()).hasSize(3);
        assertThat(decoded.jwtAuthorities()).hasSize(3);
    }

    @Test
    void missingSequenceAndRefreshHintDefaultToZero() throws Exception {
        TrustBundle decoded = BundleJson.decode(TD, "{\"keys\":[]}");
        assertThat(decoded).isEqualTo(TrustBundle.empty(TD));
        assertThat(decoded.refreshHint()).isZero();
    }

    static Stream<Arguments> malformedBundles() {
        String valid = BundleJson.encode(BUNDLE);
        String otherCertificate = Base64.getEncoder().encodeToString(encoded(CAS.get(1).certificate()));
        return Stream.of(
                Arguments.of("empty", "", MALFORMED_JSON, -1),
                Arguments.of("null", "null", MALFORMED_JSON, -1),
                Arguments.of("an array", "[]", MALFORMED_JSON, -1),
                Arguments.of("an array of name-value pairs", "[[\"keys\",[]]]", MALFORMED_JSON, -1),
                Arguments.of("trailing data", "{\"keys\":[]} {}", MALFORMED_JSON, -1),
                Arguments.of("duplicate members", "{\"keys\":[],\"keys\":[]}", MALFORMED_JSON, -1),
                Arguments.of("a string", "\"keys\"", MALFORMED_JSON, -1),
                Arguments.of("unterminated", "{\"keys\":[", MALFORMED_JSON, -1),
                Arguments.of("not JSON", "keys: []", MALFORMED_JSON, -1),
                Arguments.of("deep nesting", "{\"keys\":" + "[".repeat(5000) + "]".repeat(5000) + "}", MALFORMED_JSON, -1),
                Arguments.of("too large", "{\"keys\":[]," + "\"x\":\"" + "a".repeat(BundleJson.MAX_DOCUMENT_LENGTH) + "\"}",
                        TOO_LARGE, -1),
                Arguments.of("no keys", "{\"spiffe_sequence\":1}", MISSING_KEYS, -1),
                Arguments.of("keys an object", "{\"keys\":{}}", KEYS_NOT_ARRAY, -1),
                Arguments.of("keys null", "{\"keys\":null}", KEYS_NOT_ARRAY, -1),
                Arguments.of("sequence negative", "{\"keys\":[],\"spiffe_sequence\":-1}", INVALID_SEQUENCE, -1),
                Arguments.of("sequence a string", "{\"keys\":[],\"spiffe_sequence\":\"1\"}", INVALID_SEQUENCE, -1),
                Arguments.of("sequence a fraction", "{\"keys\":[],\"spiffe_sequence\":1.5}", INVALID_SEQUENCE, -1),
                Arguments.of("sequence beyond 64 bits", "{\"keys\":[],\"spiffe_sequence\":18446744073709551616}",
                        INVALID_SEQUENCE, -1),
                Arguments.of("refresh hint negative", "{\"keys\":[],\"spiffe_refresh_hint\":-300}", INVALID_REFRESH_HINT, -1),
                Arguments.of("refresh hint a string", "{\"keys\":[],\"spiffe_refresh_hint\":\"300\"}", INVALID_REFRESH_HINT, -1),
                Arguments.of("key not an object", "{\"keys\":[1]}", KEY_NOT_OBJECT, 0),
                Arguments.of("use not a string", "{\"keys\":[{\"use\":5,\"kty\":\"EC\"}]}", USE_NOT_STRING, 0),
                Arguments.of("kty missing", "{\"keys\":[{\"use\":\"x509-svid\"}]}", MISSING_KEY_TYPE, 0),
                Arguments.of("kty not a string", "{\"keys\":[{\"use\":\"jwt-svid\",\"kty\":1}]}", MISSING_KEY_TYPE, 0),
                Arguments.of("x509-svid without x5c", mutateKey(valid, 1, key -> key.remove("x5c")), X5C_COUNT, 1),
                Arguments.of("x509-svid with two x5c", mutateKey(valid, 0, key -> key.put("x5c",
                        List.of(((List<?>) key.get("x5c")).get(0), otherCertificate))), X5C_COUNT, 0),
                Arguments.of("x509-svid with empty x5c", mutateKey(valid, 0, key -> key.put("x5c", List.of())), X5C_COUNT, 0),
                Arguments.of("x5c a string", mutateKey(valid, 0, key -> key.put("x5c", otherCertificate)), X5C_COUNT, 0),
                Arguments.of("x5c entry a number", mutateKey(valid, 0, key -> key.put("x5c", List.of(5))), INVALID_X5C, 0),
                Arguments.of("x5c entry not base64", mutateKey(valid, 0, key -> key.put("x5c", List.of("!!!!"))),
                        INVALID_X5C, 0),
                Arguments.of("x5c entry not a certificate", mutateKey(valid, 0, key -> key.put("x5c", List.of("aGVsbG8="))),
                        INVALID_X5C, 0),
                Arguments.of("x5c entry in PEM", mutateKey(valid, 0, key -> key.put("x5c", List.of(
                        Base64.getEncoder().encodeToString(Pem.encodeCertificate(CAS.get(0).certificate())
                                .getBytes())))), INVALID_X5C, 0),
                Arguments.of("x5c of another key", mutateKey(valid, 1, key -> key.put("x5c",
                        List.of(Base64.getEncoder().encodeToString(encoded(
                                X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P384, TD, Duration.ofDays(1), NOW)
                                        .certificate()))))), X5C_KEY_MISMATCH, 1),
                Arguments.of("EC key without y", mutateKey(valid, 0, key -> key.remove("y")), INVALID_KEY, 0),
                Arguments.of("EC point off the curve", mutateKey(valid, 3, key -> key.put("x", key.get("y"))), INVALID_KEY, 3),
                Arguments.of("EC coordinate not a string", mutateKey(valid, 4, key -> key.put("x", 12)), INVALID_KEY, 4),
                Arguments.of("EC crv not a string", mutateKey(valid, 3, key -> key.put("crv", 256)), INVALID_KEY, 3),
                Arguments.of("RSA key without n", mutateKey(valid, 5, key -> key.remove("n")), INVALID_KEY, 5),
                Arguments.of("RSA modulus not base64url", mutateKey(valid, 5, key -> key.put("n", "***")), INVALID_KEY, 5),
                Arguments.of("jwt-svid without kid", mutateKey(valid, 3, key -> key.remove("kid")), MISSING_KEY_ID, 3),
                Arguments.of("jwt-svid with empty kid", mutateKey(valid, 4, key -> key.put("kid", "")), MISSING_KEY_ID, 4),
                Arguments.of("jwt-svid kid a number", mutateKey(valid, 4, key -> key.put("kid", 4)), MISSING_KEY_ID, 4),
                Arguments.of("jwt-svid kid with a newline", mutateKey(valid, 4, key -> key.put("kid", "a\nb")),
                        MISSING_KEY_ID, 4),
                Arguments.of("duplicate kid", mutateKey(valid, 5, key -> key.put("kid", "jwt-ec256")), DUPLICATE_KEY_ID, 5));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("malformedBundles")
    void rejectsMalformedDocumentsWithThePreciseReason(String description, String json, String reason, int keyIndex) {
        assertThatThrownBy(() -> BundleJson.decode(TD, json))
                .isInstanceOfSatisfying(InvalidBundleException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    if (keyIndex < 0) {
                        assertThat(e).hasMessage(reason);
                        assertThat(e.keyIndex()).isEmpty();
                    } else {
                        assertThat(e).hasMessage(reason + " (keys[" + keyIndex + "])");
                        assertThat(e.keyIndex()).hasValue(keyIndex);
                    }
                });
    }

    @Test
    void trustBundleChecksItsInvariants() {
        X509Certificate ca = CAS.get(0).certificate();
        TrustBundle deduplicated = new TrustBundle(TD, List.of(ca, ca), List.of(), 0, Duration.ZERO);
        assertThat(deduplicated.x509Authorities()).containsExactly(ca);
        assertThat(BUNDLE.jwtKeysById()).containsOnlyKeys("jwt-ec256", "jwt-ec384", "jwt-rsa");
        JwtKey key = JWT_KEYS.get(0);
        assertThatThrownBy(() -> new TrustBundle(TD, List.of(), List.of(key, key), 0, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TrustBundle(TD, List.of(), List.of(), -1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TrustBundle(TD, List.of(), List.of(), 0, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pemFormHoldsTheX509Authorities() throws Exception {
        String pem = BundlePem.encode(BUNDLE.x509Authorities());
        assertThat(pem.split("-----BEGIN CERTIFICATE-----", -1)).hasSize(4);
        assertThat(BundlePem.decode(pem)).containsExactlyElementsOf(BUNDLE.x509Authorities());
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> keys(Map<String, Object> document) {
        return (List<Map<String, Object>>) document.get("keys");
    }

    static String mutate(String json, Consumer<Map<String, Object>> change) {
        try {
            Map<String, Object> document = new LinkedHashMap<>(JSONObjectUtils.parse(json));
            List<Map<String, Object>> keys = new ArrayList<>();
            for (Map<String, Object> key : keys(document)) {
                keys.add(new LinkedHashMap<>(key));
            }
            document.put("keys", keys);
            change.accept(document);
            return JSONObjectUtils.toJSONString(document);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String mutateKey(String json, int index, Consumer<Map<String, Object>> change) {
        return mutate(json, document -> change.accept(keys(document).get(index)));
    }

    static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
