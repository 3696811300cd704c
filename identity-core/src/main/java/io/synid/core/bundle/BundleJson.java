package io.synid.core.bundle;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.synid.core.jwt.JwtKey;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.InvalidPemException;
import io.synid.core.x509.Pem;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The SPIFFE bundle format (SPIFFE Trust Domain and Bundle standard, section 4): a JWK Set whose
 * keys carry {@code use: "x509-svid"} (an X.509 authority: key parameters plus exactly one
 * {@code x5c} certificate) or {@code use: "jwt-svid"} (a JWT authority with a {@code kid}), and
 * the top-level members {@code spiffe_sequence} and {@code spiffe_refresh_hint} (seconds).
 *
 * <p>Decoding follows the standard's tolerance rules: keys with an unknown or missing {@code use},
 * an unknown {@code kty} ({@code EC} and {@code RSA} are known) or an unsupported curve (P-256,
 * P-384 and P-521 are supported) are ignored, as are unknown members. Everything else that is
 * wrong is rejected with {@link InvalidBundleException}.
 */
public final class BundleJson {

    /** Longest accepted document, in characters. */
    public static final int MAX_DOCUMENT_LENGTH = 4 * 1024 * 1024;

    /** The {@code use} of X.509 authorities. */
    public static final String X509_SVID_USE = "x509-svid";

    /** The {@code use} of JWT authorities. */
    public static final String JWT_SVID_USE = "jwt-svid";

    private static final Set<String> KNOWN_KEY_TYPES = Set.of("EC", "RSA");
    private static final Set<String> SUPPORTED_CURVES = Set.of("P-256", "P-384", "P-521");

    private BundleJson() {
    }

    /**
     * Encodes a bundle in the SPIFFE bundle format.
     *
     * @throws IllegalArgumentException when an authority's key is neither RSA nor EC on a supported
     *     curve
     */
    public static String encode(TrustBundle bundle) {
        List<Object> keys = new ArrayList<>();
        for (X509Certificate authority : bundle.x509Authorities()) {
            Map<String, Object> key = keyParameters(authority.getPublicKey());
            key.put("use", X509_SVID_USE);
            try {
                key.put("x5c", List.of(Base64.getEncoder().encodeToString(authority.getEncoded())));
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("an X.509 authority cannot be encoded", e);
            }
            keys.add(key);
        }
        for (JwtKey authority : bundle.jwtAuthorities()) {
            keys.add(jwtKey(authority));
        }
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("keys", keys);
        document.put("spiffe_sequence", bundle.sequenceNumber());
        document.put("spiffe_refresh_hint", bundle.refreshHint().getSeconds());
        return JSONObjectUtils.toJSONString(document);
    }

    /**
     * Encodes JWT authorities as a plain JWK Set ({@code {"keys": [...]}}, each key with its
     * {@code kid} and {@code use: "jwt-svid"}): the form the Workload API hands to workloads.
     */
    public static String encodeJwks(List<JwtKey> jwtAuthorities) {
        List<Object> keys = new ArrayList<>();
        for (JwtKey authority : jwtAuthorities) {
            keys.add(jwtKey(authority));
        }
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("keys", keys);
        return JSONObjectUtils.toJSONString(document);
    }

    /**
     * Decodes a bundle document.
     *
     * @param trustDomain the trust domain the document is known (out of band) to belong to; the
     *     document itself does not name it
     * @param json the untrusted document
     * @return the bundle; sequence 0 and refresh hint zero when the document has none
     * @throws InvalidBundleException with one of the constants of {@link InvalidBundleException}
     */
    public static TrustBundle decode(TrustDomain trustDomain, String json) throws InvalidBundleException {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Map<String, Object> document = parseDocument(json);
        long sequence = nonNegativeInteger(document.get("spiffe_sequence"), InvalidBundleException.INVALID_SEQUENCE);
        long refreshHint = nonNegativeInteger(document.get("spiffe_refresh_hint"),
                InvalidBundleException.INVALID_REFRESH_HINT);

        List<X509Certificate> x509Authorities = new ArrayList<>();
        List<JwtKey> jwtAuthorities = new ArrayList<>();
        Set<String> keyIds = new HashSet<>();
        List<?> keys = keys(document);
        for (int i = 0; i < keys.size(); i++) {
            Map<String, Object> key = keyObject(keys.get(i), i);
            Object use = key.get("use");
            if (use != null && !(use instanceof String)) {
                throw new InvalidBundleException(InvalidBundleException.USE_NOT_STRING, i, null);
            }
            if (X509_SVID_USE.equals(use)) {
                if (isSupportedKeyType(key, i)) {
                    x509Authorities.add(x509Authority(key, i));
                }
            } else if (JWT_SVID_USE.equals(use)) {
                if (isSupportedKeyType(key, i)) {
                    jwtAuthorities.add(jwtAuthority(key, i, keyIds));
                }
            }
        }
        return new TrustBundle(trustDomain, x509Authorities, jwtAuthorities, sequence, Duration.ofSeconds(refreshHint));
    }

    /**
     * Decodes a plain JWK Set of JWT authorities (the Workload API's JWT bundle form): every key of
     * a known type is a JWT authority and needs a unique {@code kid}; {@code use} is not required,
     * but keys whose {@code use} is {@code x509-svid} or another value are ignored.
     *
     * @throws InvalidBundleException with one of the constants of {@link InvalidBundleException}
     */
    public static List<JwtKey> decodeJwks(String json) throws InvalidBundleException {
        Map<String, Object> document = parseDocument(json);
        List<JwtKey> jwtAuthorities = new ArrayList<>();
        Set<String> keyIds = new HashSet<>();
        List<?> keys = keys(document);
        for (int i = 0; i < keys.size(); i++) {
            Map<String, Object> key = keyObject(keys.get(i), i);
            Object use = key.get("use");
            if (use != null && !(use instanceof String)) {
                throw new InvalidBundleException(InvalidBundleException.USE_NOT_STRING, i, null);
            }
            if ((use == null || JWT_SVID_USE.equals(use)) && isSupportedKeyType(key, i)) {
                jwtAuthorities.add(jwtAuthority(key, i, keyIds));
            }
        }
        return List.copyOf(jwtAuthorities);
    }

    // ---------------------------------------------------------------------------------------------
    // Decoding

    // The JSON parser is a third-party library fed untrusted input; it documents ParseException, and
    // anything unchecked it might throw on hostile input is reported the same way.
    private static Map<String, Object> parseDocument(String json) throws InvalidBundleException {
        Objects.requireNonNull(json, "json");
        if (json.length() > MAX_DOCUMENT_LENGTH) {
            throw new InvalidBundleException(InvalidBundleException.TOO_LARGE);
        }
        // The parser also maps a JSON array of [name, value] pairs to an object: accept objects only.
        if (!json.stripLeading().startsWith("{")) {
            throw new InvalidBundleException(InvalidBundleException.MALFORMED_JSON);
        }
        try {
            Map<String, Object> document = JSONObjectUtils.parse(json);
            if (document == null) {
                throw new InvalidBundleException(InvalidBundleException.MALFORMED_JSON);
            }
            return document;
        } catch (ParseException | RuntimeException e) {
            throw new InvalidBundleException(InvalidBundleException.MALFORMED_JSON, e);
        }
    }

    private static List<?> keys(Map<String, Object> document) throws InvalidBundleException {
        if (!document.containsKey("keys")) {
            throw new InvalidBundleException(InvalidBundleException.MISSING_KEYS);
        }
        Object keys = document.get("keys");
        if (!(keys instanceof List)) {
            throw new InvalidBundleException(InvalidBundleException.KEYS_NOT_ARRAY);
        }
        return (List<?>) keys;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> keyObject(Object element, int index) throws InvalidBundleException {
        if (!(element instanceof Map)) {
            throw new InvalidBundleException(InvalidBundleException.KEY_NOT_OBJECT, index, null);
        }
        return (Map<String, Object>) element;
    }

    private static long nonNegativeInteger(Object value, String failure) throws InvalidBundleException {
        if (value == null) {
            return 0;
        }
        if (!(value instanceof Long) && !(value instanceof Integer)) {
            throw new InvalidBundleException(failure);
        }
        long number = ((Number) value).longValue();
        if (number < 0) {
            throw new InvalidBundleException(failure);
        }
        return number;
    }

    /** Whether the key's type (and curve) is one we know; unknown ones are ignored by the caller. */
    private static boolean isSupportedKeyType(Map<String, Object> key, int index) throws InvalidBundleException {
        Object keyType = key.get("kty");
        if (!(keyType instanceof String)) {
            throw new InvalidBundleException(InvalidBundleException.MISSING_KEY_TYPE, index, null);
        }
        if (!KNOWN_KEY_TYPES.contains(keyType)) {
            return false;
        }
        if (keyType.equals("EC")) {
            Object curve = key.get("crv");
            if (!(curve instanceof String)) {
                throw new InvalidBundleException(InvalidBundleException.INVALID_KEY, index, null);
            }
            return SUPPORTED_CURVES.contains(curve);
        }
        return true;
    }

    private static X509Certificate x509Authority(Map<String, Object> key, int index) throws InvalidBundleException {
        Object x5c = key.get("x5c");
        if (!(x5c instanceof List) || ((List<?>) x5c).size() != 1) {
            throw new InvalidBundleException(InvalidBundleException.X5C_COUNT, index, null);
        }
        Object encoded = ((List<?>) x5c).get(0);
        if (!(encoded instanceof String)) {
            throw new InvalidBundleException(InvalidBundleException.INVALID_X5C, index, null);
        }
        X509Certificate certificate;
        try {
            certificate = Pem.certificateFromDer(Base64.getDecoder().decode((String) encoded));
        } catch (IllegalArgumentException | InvalidPemException e) {
            throw new InvalidBundleException(InvalidBundleException.INVALID_X5C, index, e);
        }
        PublicKey parameters = publicKey(key, index);
        if (!Arrays.equals(parameters.getEncoded(), certificate.getPublicKey().getEncoded())) {
            throw new InvalidBundleException(InvalidBundleException.X5C_KEY_MISMATCH, index, null);
        }
        return certificate;
    }

    private static JwtKey jwtAuthority(Map<String, Object> key, int index, Set<String> keyIds)
            throws InvalidBundleException {
        Object keyId = key.get("kid");
        if (!(keyId instanceof String) || ((String) keyId).isEmpty()) {
            throw new InvalidBundleException(InvalidBundleException.MISSING_KEY_ID, index, null);
        }
        if (!keyIds.add((String) keyId)) {
            throw new InvalidBundleException(InvalidBundleException.DUPLICATE_KEY_ID, index, null);
        }
        PublicKey publicKey = publicKey(key, index);
        try {
            return JwtKey.withoutExpiry((String) keyId, publicKey);
        } catch (IllegalArgumentException e) {
            // A kid with control characters.
            throw new InvalidBundleException(InvalidBundleException.MISSING_KEY_ID, index, e);
        }
    }

    /**
     * Builds the public key from the key parameters alone ({@code kty, crv, x, y} or
     * {@code kty, n, e}); other members, including any private ones, are not looked at.
     */
    private static PublicKey publicKey(Map<String, Object> key, int index) throws InvalidBundleException {
        Map<String, Object> parameters = new LinkedHashMap<>();
        for (String name : key.get("kty").equals("EC") ? List.of("kty", "crv", "x", "y") : List.of("kty", "n", "e")) {
            if (key.containsKey(name)) {
                parameters.put(name, key.get(name));
            }
        }
        try {
            JWK jwk = JWK.parse(parameters);
            if (jwk instanceof ECKey) {
                return ((ECKey) jwk).toECPublicKey();
            }
            if (jwk instanceof RSAKey) {
                return ((RSAKey) jwk).toRSAPublicKey();
            }
        } catch (ParseException | JOSEException | RuntimeException e) {
            throw new InvalidBundleException(InvalidBundleException.INVALID_KEY, index, e);
        }
        throw new InvalidBundleException(InvalidBundleException.INVALID_KEY, index, null);
    }

    // ---------------------------------------------------------------------------------------------
    // Encoding

    private static Map<String, Object> jwtKey(JwtKey authority) {
        Map<String, Object> key = keyParameters(authority.publicKey());
        key.put("kid", authority.keyId());
        key.put("use", JWT_SVID_USE);
        return key;
    }

    private static Map<String, Object> keyParameters(PublicKey publicKey) {
        JWK jwk;
        if (publicKey instanceof ECPublicKey) {
            ECPublicKey ecKey = (ECPublicKey) publicKey;
            Curve curve = Curve.forECParameterSpec(ecKey.getParams());
            if (curve == null || !SUPPORTED_CURVES.contains(curve.getName())) {
                throw new IllegalArgumentException("unsupported EC curve for a bundle key");
            }
            jwk = new ECKey.Builder(curve, ecKey).build();
        } else if (publicKey instanceof RSAPublicKey) {
            jwk = new RSAKey.Builder((RSAPublicKey) publicKey).build();
        } else {
            throw new IllegalArgumentException("bundle keys must be EC or RSA keys, not " + publicKey.getAlgorithm());
        }
        return new LinkedHashMap<>(jwk.toJSONObject());
    }
}
