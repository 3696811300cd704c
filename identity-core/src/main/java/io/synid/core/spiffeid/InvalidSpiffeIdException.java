package io.synid.core.spiffeid;

/**
 * Thrown when a string is not a valid SPIFFE ID or trust domain name.
 *
 * <p>The message is always exactly one of the constants declared here, so callers and tests can
 * match on it. Messages never echo the rejected input: it is untrusted and may be arbitrarily
 * long or contain control characters.
 */
public final class InvalidSpiffeIdException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The input is the empty string. */
    public static final String EMPTY = "SPIFFE ID cannot be empty";

    /** The input is longer than {@link SpiffeId#MAX_LENGTH} bytes. */
    public static final String TOO_LONG = "SPIFFE ID cannot be longer than 2048 bytes";

    /** The input does not start with {@code spiffe://}. */
    public static final String WRONG_SCHEME = "scheme is missing or invalid: a SPIFFE ID starts with spiffe://";

    /** The input starts with {@code spiffe://} in another letter case. */
    public static final String SCHEME_NOT_LOWERCASE = "scheme must be lowercase: a SPIFFE ID starts with spiffe://";

    /** Nothing between {@code spiffe://} and the path. */
    public static final String MISSING_TRUST_DOMAIN = "trust domain is missing";

    /** The trust domain name is longer than {@link TrustDomain#MAX_LENGTH} bytes. */
    public static final String TRUST_DOMAIN_TOO_LONG = "trust domain cannot be longer than 255 bytes";

    /** A trust domain character outside {@code [a-z0-9._-]}. */
    public static final String BAD_TRUST_DOMAIN_CHAR =
            "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores";

    /** A {@code :} in the authority: SPIFFE IDs carry no port. */
    public static final String PORT_NOT_ALLOWED = "trust domain cannot include a port";

    /** An {@code @} in the authority: SPIFFE IDs carry no user info. */
    public static final String USERINFO_NOT_ALLOWED = "trust domain cannot include user info";

    /** A {@code %} anywhere. */
    public static final String PERCENT_ENCODED = "percent-encoded characters are not allowed";

    /** A {@code ?} anywhere. */
    public static final String QUERY_NOT_ALLOWED = "query is not allowed";

    /** A {@code #} anywhere. */
    public static final String FRAGMENT_NOT_ALLOWED = "fragment is not allowed";

    /** A path character outside {@code [a-zA-Z0-9._-]} (and the {@code /} separator). */
    public static final String BAD_PATH_SEGMENT_CHAR =
            "path segment characters are limited to letters, numbers, dots, dashes, and underscores";

    /** Two consecutive slashes in the path. */
    public static final String EMPTY_SEGMENT = "path cannot contain empty segments";

    /** A path segment that is exactly {@code .} or {@code ..}. */
    public static final String DOT_SEGMENT = "path cannot contain dot segments";

    /** The path ends with {@code /}. */
    public static final String TRAILING_SLASH = "path cannot have a trailing slash";

    /** A non-empty path that does not start with {@code /} (only from {@link SpiffeId#of}). */
    public static final String NO_LEADING_SLASH = "path must have a leading slash";

    /** A trust domain given as an ID ({@code spiffe://...}) that has a path. */
    public static final String TRUST_DOMAIN_HAS_PATH = "trust domain ID cannot have a path";

    /** A path segment given to {@link SpiffeId#fromSegments} contains a {@code /}. */
    public static final String SEGMENT_CONTAINS_SLASH = "path segment cannot contain a slash";

    InvalidSpiffeIdException(String message) {
        super(message);
    }
}
