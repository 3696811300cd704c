package io.synid.core.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Validates JWT-SVIDs against the JWT authorities of the subject's trust domain.
 *
 * <p>A token is accepted only when all of these hold, checked in this order (the first failure is
 * reported):
 *
 * <ol>
 *   <li>it is at most {@value #MAX_TOKEN_LENGTH} characters of three base64url parts (a compact
 *       JWS);
 *   <li>the header is a JSON object whose {@code alg} is one of RS256, RS384, RS512, ES256, ES384,
 *       ES512, PS256, PS384, PS512; {@code typ}, if present, is {@code JWT} or {@code JOSE};
 *       {@code kid} is a non-empty string; there is no {@code crit};
 *   <li>the payload is a JSON object whose {@code sub} is a valid SPIFFE ID;
 *   <li>the authorities of the subject's trust domain hold a key with that {@code kid}, of a type
 *       that matches {@code alg} (ES256 needs P-256, ES384 P-384, ES512 P-521, RS and PS need RSA);
 *   <li>the signature verifies with that key;
 *   <li>{@code exp} is present, numeric and after {@code now}; {@code nbf}, if present, is not after
 *       {@code now} (no leeway is applied);
 *   <li>{@code aud} (a string or an array of strings) contains every expected audience.
 * </ol>
 */
public final class JwtSvidValidator {

    /** Longest accepted token, in characters. */
    public static final int MAX_TOKEN_LENGTH = 64 * 1024;

    private static final Set<String> ALGORITHMS = Set.of(
            "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512");

    private JwtSvidValidator() {
    }

    /**
     * Validates a JWT-SVID for one audience.
     *
     * @see #validate(String, Function, List, Instant)
     */
    public static JwtSvidClaims validate(String token, Function<TrustDomain, Map<String, PublicKey>> authorities,
            String expectedAudience, Instant now) throws InvalidJwtSvidException {
        return validate(token, authorities, List.of(expectedAudience), now);
    }

    /**
     * Validates a JWT-SVID.
     *
     * @param token the untrusted token
     * @param authorities the JWT authorities of a trust domain, by key ID; an empty map (or
     *     {@code null}) when the trust domain is unknown
     * @param expectedAudience the audiences that must all appear in {@code aud}; at least one
     * @param now the current time
     * @return the verified claims
     * @throws InvalidJwtSvidException with one of the constants of {@link InvalidJwtSvidException}
     * @throws IllegalArgumentException when {@code expectedAudience} is empty
     */
    public static JwtSvidClaims validate(String token, Function<TrustDomain, Map<String, PublicKey>> authorities,
            List<String> expectedAudience, Instant now) throws InvalidJwtSvidException {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(authorities, "authorities");
        Objects.requireNonNull(now, "now");
        List<String> expected = List.copyOf(expectedAudience);
        if (expected.isEmpty()) {
            throw new IllegalArgumentException("at least one expected audience is required");
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.TOO_LARGE);
        }
        String[] parts = splitCompact(token);

        Map<String, Object> header = parseJsonObject(parts[0], InvalidJwtSvidException.MALFORMED_HEADER);
        String algorithm = checkHeader(header);
        String keyId = (String) header.get("kid");

        Map<String, Object> claims = parseJsonObject(parts[1], InvalidJwtSvidException.MALFORMED_CLAIMS);
        SpiffeId subject = subject(claims);

        Map<String, PublicKey> keys = authorities.apply(subject.trustDomain());
        if (keys == null || keys.isEmpty()) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.NO_AUTHORITIES);
        }
        PublicKey key = keys.get(keyId);
        if (key == null) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.UNKNOWN_KEY_ID);
        }
        verifySignature(token, algorithm, key);

        Instant expiresAt = numericDate(claims, "exp", InvalidJwtSvidException.INVALID_EXPIRY);
        if (expiresAt == null) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.MISSING_EXPIRY);
        }
        if (!now.isBefore(expiresAt)) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.EXPIRED);
        }
        Instant notBefore = numericDate(claims, "nbf", InvalidJwtSvidException.INVALID_NOT_BEFORE);
        if (notBefore != null && now.isBefore(notBefore)) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.NOT_YET_VALID);
        }
        List<String> audience = audience(claims);
        if (!audience.containsAll(expected)) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.AUDIENCE_MISMATCH);
        }
        return new JwtSvidClaims(subject, audience, expiresAt, claims);
    }

    private static String[] splitCompact(String token) throws InvalidJwtSvidException {
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (second < 0 || token.indexOf('.', second + 1) >= 0) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.NOT_JWS);
        }
        String[] parts = {token.substring(0, first), token.substring(first + 1, second), token.substring(second + 1)};
        for (String part : parts) {
            if (part.isEmpty() || !isBase64Url(part)) {
                throw new InvalidJwtSvidException(InvalidJwtSvidException.NOT_JWS);
            }
        }
        return parts;
    }

    private static boolean isBase64Url(String part) {
        // A base64url string without padding never has length 1 modulo 4.
        if (part.length() % 4 == 1) {
            return false;
        }
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    // The JSON parser is a third-party library fed untrusted input; it documents ParseException, and
    // anything unchecked it might throw on hostile input is reported the same way.
    private static Map<String, Object> parseJsonObject(String base64Url, String failure) throws InvalidJwtSvidException {
        try {
            String json = new String(new Base64URL(base64Url).decode(), StandardCharsets.UTF_8);
            // The parser also maps a JSON array of [name, value] pairs to an object: accept objects only.
            if (!json.stripLeading().startsWith("{")) {
                throw new InvalidJwtSvidException(failure);
            }
            Map<String, Object> object = JSONObjectUtils.parse(json);
            if (object == null) {
                throw new InvalidJwtSvidException(failure);
            }
            return object;
        } catch (ParseException | RuntimeException e) {
            throw new InvalidJwtSvidException(failure, e);
        }
    }

    private static String checkHeader(Map<String, Object> header) throws InvalidJwtSvidException {
        Object algorithm = header.get("alg");
        if (!(algorithm instanceof String) || !ALGORITHMS.contains(algorithm)) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.UNSUPPORTED_ALGORITHM);
        }
        Object type = header.get("typ");
        if (type != null && !"JWT".equals(type) && !"JOSE".equals(type)) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.BAD_TYPE);
        }
        Object keyId = header.get("kid");
        if (!(keyId instanceof String) || ((String) keyId).isEmpty()) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.MISSING_KEY_ID);
        }
        if (header.containsKey("crit")) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.UNSUPPORTED_CRITICAL_HEADER);
        }
        return (String) algorithm;
    }

    private static SpiffeId subject(Map<String, Object> claims) throws InvalidJwtSvidException {
        Object subject = claims.get("sub");
        if (subject == null) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.MISSING_SUBJECT);
        }
        if (!(subject instanceof String)) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.INVALID_SUBJECT);
        }
        try {
            return SpiffeId.parse((String) subject);
        } catch (InvalidSpiffeIdException e) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.INVALID_SUBJECT, e);
        }
    }

    private static void verifySignature(String token, String algorithm, PublicKey key) throws InvalidJwtSvidException {
        JWSVerifier verifier;
        try {
            verifier = verifier(algorithm, key);
        } catch (JOSEException e) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.KEY_ALGORITHM_MISMATCH, e);
        }
        boolean valid;
        try {
            valid = JWSObject.parse(token).verify(verifier);
        } catch (ParseException e) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.MALFORMED_HEADER, e);
        } catch (JOSEException | RuntimeException e) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.INVALID_SIGNATURE, e);
        }
        if (!valid) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.INVALID_SIGNATURE);
        }
    }

    private static JWSVerifier verifier(String algorithm, PublicKey key) throws JOSEException, InvalidJwtSvidException {
        if (algorithm.startsWith("ES")) {
            int expectedFieldSize = switch (algorithm) {
                case "ES256" -> 256;
                case "ES384" -> 384;
                default -> 521;
            };
            if (!(key instanceof ECPublicKey)
                    || ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize() != expectedFieldSize) {
                throw new InvalidJwtSvidException(InvalidJwtSvidException.KEY_ALGORITHM_MISMATCH);
            }
            ECDSAVerifier verifier = new ECDSAVerifier((ECPublicKey) key);
            verifier.getJCAContext().setProvider(io.synid.core.x509.EcdsaProvider.bouncyCastle());
            return verifier;
        }
        if (!(key instanceof RSAPublicKey)) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.KEY_ALGORITHM_MISMATCH);
        }
        return new RSASSAVerifier((RSAPublicKey) key);
    }

    private static Instant numericDate(Map<String, Object> claims, String name, String invalid)
            throws InvalidJwtSvidException {
        Object value = claims.get(name);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Number)) {
            throw new InvalidJwtSvidException(invalid);
        }
        long seconds;
        if (value instanceof Long || value instanceof Integer) {
            seconds = ((Number) value).longValue();
        } else {
            double fractional = ((Number) value).doubleValue();
            if (Double.isNaN(fractional)) {
                throw new InvalidJwtSvidException(invalid);
            }
            seconds = (long) Math.floor(fractional); // saturates at Long.MIN_VALUE / Long.MAX_VALUE
        }
        return Instant.ofEpochSecond(Math.max(Instant.MIN.getEpochSecond(), Math.min(Instant.MAX.getEpochSecond(), seconds)));
    }

    private static List<String> audience(Map<String, Object> claims) throws InvalidJwtSvidException {
        Object audience = claims.get("aud");
        if (audience == null) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.MISSING_AUDIENCE);
        }
        if (audience instanceof String) {
            return List.of((String) audience);
        }
        if (!(audience instanceof List)) {
            throw new InvalidJwtSvidException(InvalidJwtSvidException.INVALID_AUDIENCE);
        }
        List<String> values = new ArrayList<>();
        for (Object value : (List<?>) audience) {
            if (!(value instanceof String)) {
                throw new InvalidJwtSvidException(InvalidJwtSvidException.INVALID_AUDIENCE);
            }
            values.add((String) value);
        }
        return values;
    }
}
