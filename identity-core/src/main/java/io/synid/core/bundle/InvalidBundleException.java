package io.synid.core.bundle;

import java.util.OptionalInt;

/**
 * Thrown when a SPIFFE bundle document (or plain JWKS) is malformed.
 *
 * <p>{@link #reason()} is always exactly one of the constants declared here. For a problem with one
 * key the message is the reason followed by {@code " (keys[<index>])"}, and {@link #keyIndex()} is
 * that index; otherwise the message is the reason alone. Messages never echo document content.
 */
public final class InvalidBundleException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The document is longer than {@link BundleJson#MAX_DOCUMENT_LENGTH} characters. */
    public static final String TOO_LARGE = "bundle document is longer than 4194304 characters";

    /** The document is not a JSON object. */
    public static final String MALFORMED_JSON = "bundle is not a valid JSON object";

    /** The document has no {@code keys} member. */
    public static final String MISSING_KEYS = "bundle has no keys member";

    /** {@code keys} is not an array. */
    public static final String KEYS_NOT_ARRAY = "bundle keys member must be an array";

    /** {@code spiffe_sequence} is not a non-negative integer. */
    public static final String INVALID_SEQUENCE = "spiffe_sequence must be a non-negative integer";

    /** {@code spiffe_refresh_hint} is not a non-negative integer. */
    public static final String INVALID_REFRESH_HINT = "spiffe_refresh_hint must be a non-negative integer number of seconds";

    /** An element of {@code keys} is not a JSON object. */
    public static final String KEY_NOT_OBJECT = "bundle key must be a JSON object";

    /** {@code use} is present but not a string. */
    public static final String USE_NOT_STRING = "bundle key use must be a string";

    /** {@code kty} is missing or not a string. */
    public static final String MISSING_KEY_TYPE = "bundle key must have a string kty";

    /** An {@code x509-svid} key without exactly one {@code x5c} entry. */
    public static final String X5C_COUNT = "x509-svid key must have exactly one x5c certificate";

    /** The {@code x5c} entry is not a base64 (standard alphabet) DER X.509 certificate. */
    public static final String INVALID_X5C = "x509-svid key x5c entry is not a base64 DER certificate";

    /** The key parameters differ from the {@code x5c} certificate's public key. */
    public static final String X5C_KEY_MISMATCH = "x509-svid key parameters do not match its x5c certificate";

    /** A {@code jwt-svid} key without a non-empty string {@code kid}. */
    public static final String MISSING_KEY_ID = "jwt-svid key must have a non-empty kid";

    /** Two {@code jwt-svid} keys share a {@code kid}. */
    public static final String DUPLICATE_KEY_ID = "jwt-svid key IDs must be unique";

    /** The key parameters ({@code crv, x, y} or {@code n, e}) do not form a valid public key. */
    public static final String INVALID_KEY = "bundle key parameters are not a valid public key";

    private final String reason;
    private final int keyIndex;

    InvalidBundleException(String reason) {
        this(reason, -1, null);
    }

    InvalidBundleException(String reason, Throwable cause) {
        this(reason, -1, cause);
    }

    InvalidBundleException(String reason, int keyIndex, Throwable cause) {
        super(keyIndex < 0 ? reason : reason + " (keys[" + keyIndex + "])", cause);
        this.reason = reason;
        this.keyIndex = keyIndex;
    }

    /** The constant naming the problem. */
    public String reason() {
        return reason;
    }

    /** The index in {@code keys} of the offending key, when the problem is with one key. */
    public OptionalInt keyIndex() {
        return keyIndex < 0 ? OptionalInt.empty() : OptionalInt.of(keyIndex);
    }
}
