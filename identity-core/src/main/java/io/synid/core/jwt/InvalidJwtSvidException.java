package io.synid.core.jwt;

/**
 * Thrown when a token is not a valid JWT-SVID for the caller.
 *
 * <p>The message is always exactly one of the constants declared here. Messages never echo token
 * content (key IDs, subjects, audiences), which is attacker-controlled.
 */
public final class InvalidJwtSvidException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The token is longer than {@link JwtSvidValidator#MAX_TOKEN_LENGTH} characters. */
    public static final String TOO_LARGE = "token is longer than 65536 characters";

    /** Not three base64url parts separated by dots (this also rejects JWE and unsecured JWTs). */
    public static final String NOT_JWS = "token is not a JWS in compact serialization";

    /** The protected header is not a JSON object, or a header parameter is malformed. */
    public static final String MALFORMED_HEADER = "token header is not a valid JOSE header";

    /** {@code alg} is missing or not one of the JWT-SVID algorithms. */
    public static final String UNSUPPORTED_ALGORITHM =
            "token algorithm must be one of RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512";

    /** {@code typ} is present and is neither {@code JWT} nor {@code JOSE}. */
    public static final String BAD_TYPE = "token typ header must be JWT or JOSE when present";

    /** {@code kid} is missing, empty or not a string. */
    public static final String MISSING_KEY_ID = "token header is missing the key ID (kid)";

    /** {@code crit} is present: no critical extension is understood. */
    public static final String UNSUPPORTED_CRITICAL_HEADER = "token has critical header parameters that are not understood";

    /** The payload is not a JSON object. */
    public static final String MALFORMED_CLAIMS = "token claims are not a valid JSON object";

    /** {@code sub} is missing. */
    public static final String MISSING_SUBJECT = "token is missing the subject (sub) claim";

    /** {@code sub} is not a string holding a valid SPIFFE ID. */
    public static final String INVALID_SUBJECT = "token subject (sub) is not a valid SPIFFE ID";

    /** No JWT authority is known for the subject's trust domain. */
    public static final String NO_AUTHORITIES = "no JWT authorities are known for the subject's trust domain";

    /** No JWT authority of the subject's trust domain has the token's key ID. */
    public static final String UNKNOWN_KEY_ID = "no JWT authority of the subject's trust domain has the token's key ID";

    /** The authority's key type (or curve) cannot produce the token's algorithm. */
    public static final String KEY_ALGORITHM_MISMATCH = "the JWT authority's key does not match the token algorithm";

    /** The signature does not verify. */
    public static final String INVALID_SIGNATURE = "token signature is invalid";

    /** {@code exp} is missing. */
    public static final String MISSING_EXPIRY = "token is missing the expiry (exp) claim";

    /** {@code exp} is not a number. */
    public static final String INVALID_EXPIRY = "token expiry (exp) is not a number";

    /** {@code exp} is not after the current time. */
    public static final String EXPIRED = "token has expired";

    /** {@code nbf} is present and not a number. */
    public static final String INVALID_NOT_BEFORE = "token not-before (nbf) is not a number";

    /** {@code nbf} is after the current time. */
    public static final String NOT_YET_VALID = "token is not valid yet (nbf is in the future)";

    /** {@code aud} is missing. */
    public static final String MISSING_AUDIENCE = "token is missing the audience (aud) claim";

    /** {@code aud} is neither a string nor an array of strings. */
    public static final String INVALID_AUDIENCE = "token audience (aud) must be a string or an array of strings";

    /** {@code aud} does not contain every expected audience. */
    public static final String AUDIENCE_MISMATCH = "token audience (aud) does not contain the expected audience";

    InvalidJwtSvidException(String message) {
        super(message);
    }

    InvalidJwtSvidException(String message, Throwable cause) {
        super(message, cause);
    }
}
