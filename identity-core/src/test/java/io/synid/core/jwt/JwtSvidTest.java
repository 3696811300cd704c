package io.synid.core.jwt;

import static io.synid.core.jwt.InvalidJwtSvidException.AUDIENCE_MISMATCH;
import static io.synid.core.jwt.InvalidJwtSvidException.BAD_TYPE;
import static io.synid.core.jwt.InvalidJwtSvidException.EXPIRED;
import static io.synid.core.jwt.InvalidJwtSvidException.INVALID_AUDIENCE;
import static io.synid.core.jwt.InvalidJwtSvidException.INVALID_EXPIRY;
import static io.synid.core.jwt.InvalidJwtSvidException.INVALID_NOT_BEFORE;
import static io.synid.core.jwt.InvalidJwtSvidException.INVALID_SIGNATURE;
import static io.synid.core.jwt.InvalidJwtSvidException.INVALID_SUBJECT;
import static io.synid.core.jwt.InvalidJwtSvidException.KEY_ALGORITHM_MISMATCH;
import static io.synid.core.jwt.InvalidJwtSvidException.MALFORMED_CLAIMS;
import static io.synid.core.jwt.InvalidJwtSvidException.MALFORMED_HEADER;
import static io.synid.core.jwt.InvalidJwtSvidException.MISSING_AUDIENCE;
import static io.synid.core.jwt.InvalidJwtSvidException.MISSING_EXPIRY;
import static io.synid.core.jwt.InvalidJwtSvidException.MISSING_KEY_ID;
import static io.synid.core.jwt.InvalidJwtSvidException.MISSING_SUBJECT;
import static io.synid.core.jwt.InvalidJwtSvidException.NOT_JWS;
import static io.synid.core.jwt.InvalidJwtSvidException.NOT_YET_VALID;
import static io.synid.core.jwt.InvalidJwtSvidException.NO_AUTHORITIES;
import static io.synid.core.jwt.InvalidJwtSvidException.TOO_LARGE;
import static io.synid.core.jwt.InvalidJwtSvidException.UNKNOWN_KEY_ID;
import static io.synid.core.jwt.InvalidJwtSvidException.UNSUPPORTED_ALGORITHM;
import static io.synid.core.jwt.InvalidJwtSvidException.UNSUPPORTED_CRITICAL_HEADER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.KeyType;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class JwtSvidTest {

    static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");
    static final Instant EXP = NOW.plusSeconds(300);
    static final long EXP_S = EXP.getEpochSecond();
    static final SpiffeId WORKLOAD = id("spiffe://example.org/workload");
    static final KeyPair EC = KeyType.EC_P256.generate();
    static final KeyPair RSA = KeyType.RSA_2048.generate();
    static final KeyPair P384 = KeyType.EC_P384.generate();
    static final Map<String, PublicKey> KEYS = Map.of("ec", EC.getPublic(), "rsa", RSA.getPublic(), "p384", P384.getPublic());
    static final Function<TrustDomain, Map<String, PublicKey>> AUTHORITIES =
            td -> td.name().equals("example.org") ? KEYS : Map.of();

    static SpiffeId id(String id) {
        try {
            return SpiffeId.parse(id);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static KeyPair keyPair(KeyType type) {
        return switch (type) {
            case EC_P256 -> EC;
            case EC_P384 -> P384;
            case RSA_2048 -> RSA;
        };
    }

    static String kid(KeyType type) {
        return switch (type) {
            case EC_P256 -> "ec";
            case EC_P384 -> "p384";
            case RSA_2048 -> "rsa";
        };
    }

    /**
     * Builds a token from raw JSON, signing with the JCA directly, so tests can produce headers and
     * claims our signer never would.
     */
    static String token(String headerJson, String claimsJson, PrivateKey key, String algorithm) {
        try {
            String signingInput = b64(headerJson) + "." + b64(claimsJson);
            String jca = switch (algorithm) {
                case "ES256" -> "SHA256withECDSA";
                case "ES384" -> "SHA384withECDSA";
                default -> "SHA256withRSA";
            };
            Signature signer = Signature.getInstance(jca);
            signer.initSign(key);
            signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            byte[] signature = signer.sign();
            if (algorithm.startsWith("ES")) {
                signature = ECDSA.transcodeSignatureToConcat(signature, algorithm.equals("ES256") ? 64 : 96);
            }
            return signingInput + "." + Base64URL.encode(signature);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String b64(String json) {
        return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
    }

    static String ecToken(String headerJson, String claimsJson) {
        return token(headerJson, claimsJson, EC.getPrivate(), "ES256");
    }

    static final String HEADER = "{\"alg\":\"ES256\",\"kid\":\"ec\",\"typ\":\"JWT\"}";
    static final String CLAIMS = "{\"sub\":\"spiffe://example.org/workload\",\"aud\":[\"db\"],\"exp\":" + EXP_S + "}";

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void signedTokensValidateWithEveryKeyType(KeyType type) throws Exception {
        String token = JwtSvidSigner.sign(keyPair(type).getPrivate(), type, kid(type), WORKLOAD, List.of("db"), EXP, NOW);

        JWSObject jws = JWSObject.parse(token);
        assertThat(jws.getHeader().getAlgorithm().getName()).isEqualTo(type.jwtAlgorithm());
        assertThat(jws.getHeader().getKeyID()).isEqualTo(kid(type));
        assertThat(jws.getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
        Map<String, Object> rawClaims = JSONObjectUtils.parse(jws.getPayload().toString());
        assertThat(rawClaims.get("aud")).as("aud is always an array").isEqualTo(List.of("db"));
        assertThat(rawClaims).containsEntry("sub", WORKLOAD.toString())
                .containsEntry("exp", EXP_S).containsEntry("iat", NOW.getEpochSecond());

        JwtSvidClaims claims = JwtSvidValidator.validate(token, AUTHORITIES, List.of("db"), NOW);
        assertThat(claims.subject()).isEqualTo(WORKLOAD);
        assertThat(claims.audience()).containsExactly("db");
        assertThat(claims.expiresAt()).isEqualTo(EXP);
        assertThat(claims.claims()).containsEntry("iat", NOW.getEpochSecond());
        assertThatThrownBy(() -> claims.claims().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void acceptsOtherIssuersFormsOfValidTokens() throws Exception {
        // aud as a string, typ JOSE or absent, extra claims, nbf in the past, PS256.
        String stringAudience = ecToken("{\"alg\":\"ES256\",\"kid\":\"ec\",\"typ\":\"JOSE\"}",
                "{\"sub\":\"spiffe://example.org/workload\",\"aud\":\"db\",\"exp\":" + EXP_S
                        + ",\"nbf\":" + (NOW.getEpochSecond() - 5) + ",\"extra\":{\"n\":[1,null,\"x\"]},\"gone\":null}");
        JwtSvidClaims claims = JwtSvidValidator.validate(stringAudience, AUTHORITIES, "db", NOW);
        assertThat(claims.audience()).containsExactly("db");
        assertThat(claims.claims()).containsKey("extra").doesNotContainKey("gone");
        assertThat(claims.claims().get("extra")).isEqualTo(Map.of("n", List.of(1L, "x")));

        String noType = ecToken("{\"alg\":\"ES256\",\"kid\":\"ec\"}", CLAIMS);
        assertThat(JwtSvidValidator.validate(noType, AUTHORITIES, "db", NOW).subject()).isEqualTo(WORKLOAD);

        JWSObject pss = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.PS256).keyID("rsa").build(), new Payload(CLAIMS));
        pss.sign(new RSASSASigner(RSA.getPrivate()));
        assertThat(JwtSvidValidator.validate(pss.serialize(), AUTHORITIES, "db", NOW).subject()).isEqualTo(WORKLOAD);

        String multipleAudiences = JwtSvidSigner.sign(EC.getPrivate(), KeyType.EC_P256, "ec", WORKLOAD,
                List.of("db", "cache", "queue"), EXP, NOW);
        assertThat(JwtSvidValidator.validate(multipleAudiences, AUTHORITIES, List.of("queue", "db"), NOW).audience())
                .containsExactly("db", "cache", "queue");
    }

    static Stream<Arguments> rejectedTokens() throws Exception {
        String valid = JwtSvidSigner.sign(EC.getPrivate(), KeyType.EC_P256, "ec", WORKLOAD, List.of("db"), EXP, NOW);
        String[] parts = valid.split("\\.");
        JWSObject hmac = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("ec").build(), new Payload(CLAIMS));
        hmac.sign(new MACSigner(new byte[32]));
        KeyPairGenerator p521Generator = KeyPairGenerator.getInstance("EC");
        p521Generator.initialize(new ECGenParameterSpec("secp521r1"));
        String otherKeySameKid = JwtSvidSigner.sign(KeyType.EC_P256.generate().getPrivate(), KeyType.EC_P256, "ec",
                WORKLOAD, List.of("db"), EXP, NOW);
        char last = parts[2].charAt(10);

        return Stream.of(
                Arguments.of("too long", "a".repeat(JwtSvidValidator.MAX_TOKEN_LENGTH + 1), TOO_LARGE),
                Arguments.of("empty", "", NOT_JWS),
                Arguments.of("one part", "abc", NOT_JWS),
                Arguments.of("two parts", parts[0] + "." + parts[1], NOT_JWS),
                Arguments.of("four parts", valid + ".x", NOT_JWS),
                Arguments.of("JWE shape", "a.b.c.d.e", NOT_JWS),
                Arguments.of("empty signature (unsecured)", parts[0] + "." + parts[1] + ".", NOT_JWS),
                Arguments.of("padding", valid + "=", NOT_JWS),
                Arguments.of("space", " " + valid, NOT_JWS),
                Arguments.of("header not JSON", b64("not json") + "." + parts[1] + "." + parts[2], MALFORMED_HEADER),
                Arguments.of("header an array", b64("[1]") + "." + parts[1] + "." + parts[2], MALFORMED_HEADER),
                Arguments.of("alg none", b64("{\"alg\":\"none\",\"kid\":\"ec\"}") + "." + parts[1] + ".AAAA",
                        UNSUPPORTED_ALGORITHM),
                Arguments.of("alg HS256", hmac.serialize(), UNSUPPORTED_ALGORITHM),
                Arguments.of("alg missing", ecToken("{\"kid\":\"ec\"}", CLAIMS), UNSUPPORTED_ALGORITHM),
                Arguments.of("alg not a string", ecToken("{\"alg\":256,\"kid\":\"ec\"}", CLAIMS), UNSUPPORTED_ALGORITHM),
                Arguments.of("alg lowercase", ecToken("{\"alg\":\"es256\",\"kid\":\"ec\"}", CLAIMS), UNSUPPORTED_ALGORITHM),
                Arguments.of("typ at+jwt", ecToken("{\"alg\":\"ES256\",\"kid\":\"ec\",\"typ\":\"at+jwt\"}", CLAIMS),
                        BAD_TYPE),
                Arguments.of("kid missing", ecToken("{\"alg\":\"ES256\"}", CLAIMS), MISSING_KEY_ID),
                Arguments.of("kid empty", ecToken("{\"alg\":\"ES256\",\"kid\":\"\"}", CLAIMS), MISSING_KEY_ID),
                Arguments.of("kid not a string", ecToken("{\"alg\":\"ES256\",\"kid\":7}", CLAIMS), MISSING_KEY_ID),
                Arguments.of("crit header", ecToken("{\"alg\":\"ES256\",\"kid\":\"ec\",\"crit\":[\"exp\"],\"exp\":1}", CLAIMS),
                        UNSUPPORTED_CRITICAL_HEADER),
                Arguments.of("claims not JSON", ecToken(HEADER, "not json"), MALFORMED_CLAIMS),
                Arguments.of("claims an array", ecToken(HEADER, "[\"sub\"]"), MALFORMED_CLAIMS),
                Arguments.of("claims an array of name-value pairs", ecToken(HEADER,
                        "[[\"sub\",\"spiffe://example.org/workload\"],[\"aud\",[\"db\"]],[\"exp\"," + EXP_S + "]]"),
                        MALFORMED_CLAIMS),
                Arguments.of("duplicate claims", ecToken(HEADER, CLAIMS.replace("{", "{\"sub\":\"spiffe://example.org/x\",")),
                        MALFORMED_CLAIMS),
                Arguments.of("sub missing", ecToken(HEADER, "{\"aud\":[\"db\"],\"exp\":" + EXP_S + "}"), MISSING_SUBJECT),
                Arguments.of("sub not a SPIFFE ID", ecToken(HEADER,
                        "{\"sub\":\"spiffe://example.org/a/../b\",\"aud\":[\"db\"],\"exp\":" + EXP_S + "}"), INVALID_SUBJECT),
                Arguments.of("sub not a string", ecToken(HEADER, "{\"sub\":42,\"aud\":[\"db\"],\"exp\":" + EXP_S + "}"),
                        INVALID_SUBJECT),
                Arguments.of("sub of an unknown trust domain", ecToken(HEADER,
                        "{\"sub\":\"spiffe://other.org/w\",\"aud\":[\"db\"],\"exp\":" + EXP_S + "}"), NO_AUTHORITIES),
                Arguments.of("unknown kid", ecToken("{\"alg\":\"ES256\",\"kid\":\"nope\"}", CLAIMS), UNKNOWN_KEY_ID),
                Arguments.of("ES256 with an RSA authority", ecToken("{\"alg\":\"ES256\",\"kid\":\"rsa\"}", CLAIMS),
                        KEY_ALGORITHM_MISMATCH),
                Arguments.of("RS256 with an EC authority",
                        token("{\"alg\":\"RS256\",\"kid\":\"ec\"}", CLAIMS, RSA.getPrivate(), "RS256"), KEY_ALGORITHM_MISMATCH),
                Arguments.of("ES384 with a P-256 authority", ecToken("{\"alg\":\"ES384\",\"kid\":\"ec\"}", CLAIMS),
                        KEY_ALGORITHM_MISMATCH),
                Arguments.of("ES512 with a P-384 authority", ecToken("{\"alg\":\"ES512\",\"kid\":\"p384\"}", CLAIMS),
                        KEY_ALGORITHM_MISMATCH),
                Arguments.of("tampered signature", parts[0] + "." + parts[1] + "." + parts[2].substring(0, 10)
                        + (last == 'A' ? 'B' : 'A') + parts[2].substring(11), INVALID_SIGNATURE),
                Arguments.of("tampered claims", parts[0] + "." + b64(CLAIMS.replace("db", "dc")) + "." + parts[2],
                        INVALID_SIGNATURE),
                Arguments.of("signed by another key with the same kid", otherKeySameKid, INVALID_SIGNATURE),
                Arguments.of("signature of the wrong length", parts[0] + "." + parts[1] + ".AAAA", INVALID_SIGNATURE),
                Arguments.of("exp missing", ecToken(HEADER, "{\"sub\":\"spiffe://example.org/workload\",\"aud\":[\"db\"]}"),
                        MISSING_EXPIRY),
                Arguments.of("exp not a number", ecToken(HEADER,
                        "{\"sub\":\"spiffe://example.org/workload\",\"aud\":[\"db\"],\"exp\":\"soon\"}"), INVALID_EXPIRY),
                Arguments.of("expired", ecToken(HEADER, "{\"sub\":\"spiffe://example.org/workload\",\"aud\":[\"db\"],\"exp\":"
                        + (NOW.getEpochSecond() - 1) + "}"), EXPIRED),
                Arguments.of("expires exactly now", ecToken(HEADER,
                        "{\"sub\":\"spiffe://example.org/workload\",\"aud\":[\"db\"],\"exp\":" + NOW.getEpochSecond() + "}"),
                        EXPIRED),
                Arguments.of("exp far in the past as a fraction", ecToken(HEADER,
                        "{\"sub\":\"spiffe://example.org/workload\",\"aud\":[\"db\"],\"exp\":-1.5e300}"), EXPIRED),
                Arguments.of("nbf in the future", ecToken(HEADER,
                        "{\"sub\":\"spiffe://example.org/workload\",\"aud\":[\"db\"],\"exp\":" + EXP_S + ",\"nbf\":"
                                + (NOW.getEpochSecond() + 60) + "}"), NOT_YET_VALID),
                Arguments.of("nbf not a number", ecToken(HEADER,
                        "{\"sub\":\"spiffe://example.org/workload\",\"aud\":[\"db\"],\"exp\":" + EXP_S + ",\"nbf\":true}"),
                        INVALID_NOT_BEFORE),
                Arguments.of("aud missing", ecToken(HEADER, "{\"sub\":\"spiffe://example.org/workload\",\"exp\":" + EXP_S + "}"),
                        MISSING_AUDIENCE),
                Arguments.of("aud a number", ecToken(HEADER,
                        "{\"sub\":\"spiffe://example.org/workload\",\"aud\":5,\"exp\":" + EXP_S + "}"), INVALID_AUDIENCE),
                Arguments.of("aud with a number", ecToken(HEADER,
                        "{\"sub\":\"spiffe://example.org/workload\",\"aud\":[\"db\",1],\"exp\":" + EXP_S + "}"),
                        INVALID_AUDIENCE),
                Arguments.of("aud of someone else", ecToken(HEADER,
                        "{\"sub\":\"spiffe://example.org/workload\",\"aud\":[\"web\"],\"exp\":" + EXP_S + "}"),
                        AUDIENCE_MISMATCH),
                Arguments.of("aud empty", ecToken(HEADER,
                        "{\"sub\":\"spiffe://example.org/workload\",\"aud\":[],\"exp\":" + EXP_S + "}"), AUDIENCE_MISMATCH));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("rejectedTokens")
    void rejectsEveryInvalidTokenWithThePreciseReason(String description, String token, String expectedMessage) {
        assertThatThrownBy(() -> JwtSvidValidator.validate(token, AUTHORITIES, List.of("db"), NOW))
                .isInstanceOf(InvalidJwtSvidException.class)
                .hasMessage(expectedMessage);
    }

    @Test
    void everyExpectedAudienceMustBePresent() {
        String token = JwtSvidSigner.sign(EC.getPrivate(), KeyType.EC_P256, "ec", WORKLOAD, List.of("db"), EXP, NOW);
        assertThatThrownBy(() -> JwtSvidValidator.validate(token, AUTHORITIES, List.of("db", "cache"), NOW))
                .hasMessage(AUDIENCE_MISMATCH);
        assertThatThrownBy(() -> JwtSvidValidator.validate(token, AUTHORITIES, List.of(), NOW))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void treatsANullAuthorityMapAsAnUnknownTrustDomain() {
        String token = JwtSvidSigner.sign(EC.getPrivate(), KeyType.EC_P256, "ec", WORKLOAD, List.of("db"), EXP, NOW);
        assertThatThrownBy(() -> JwtSvidValidator.validate(token, td -> null, "db", NOW)).hasMessage(NO_AUTHORITIES);
    }

    @Test
    void signerRejectsProgrammingErrors() {
        assertThatThrownBy(() -> JwtSvidSigner.sign(EC.getPrivate(), KeyType.RSA_2048, "ec", WORKLOAD, List.of("db"), EXP, NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JwtSvidSigner.sign(P384.getPrivate(), KeyType.EC_P256, "ec", WORKLOAD, List.of("db"), EXP, NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JwtSvidSigner.sign(EC.getPrivate(), KeyType.EC_P256, "ec", WORKLOAD, List.of(), EXP, NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JwtSvidSigner.sign(EC.getPrivate(), KeyType.EC_P256, "ec", WORKLOAD, List.of(""), EXP, NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JwtSvidSigner.sign(EC.getPrivate(), KeyType.EC_P256, "", WORKLOAD, List.of("db"), EXP, NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JwtSvidSigner.sign(EC.getPrivate(), KeyType.EC_P256, "ec", WORKLOAD, List.of("db"), NOW, NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JwtSvidSigner.sign(EC.getPrivate(), KeyType.EC_P256, "ec", WORKLOAD.trustDomain().spiffeId(),
                List.of("db"), EXP, NOW))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jwtKeyChecksItsInvariants() throws Exception {
        assertThat(JwtKey.withoutExpiry("k", EC.getPublic()).hasExpiry()).isFalse();
        assertThat(new JwtKey("k", EC.getPublic(), EXP).hasExpiry()).isTrue();
        assertThatThrownBy(() -> new JwtKey("", EC.getPublic(), EXP)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new JwtKey("a\nb", EC.getPublic(), EXP)).isInstanceOf(IllegalArgumentException.class);
        PublicKey ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
        assertThatThrownBy(() -> new JwtKey("k", ed25519, EXP)).isInstanceOf(IllegalArgumentException.class);
    }
}
