package io.synid.core.spiffeid;

import java.util.Objects;

/**
 * A SPIFFE ID: {@code spiffe://<trust domain><path>}, as defined by the SPIFFE-ID standard.
 *
 * <p>Instances are immutable and always valid:
 *
 * <ul>
 *   <li>the scheme is exactly {@code spiffe://} (lowercase);
 *   <li>the trust domain is non-empty, at most 255 bytes, made of {@code [a-z0-9._-]}; no port,
 *       no user info;
 *   <li>the path is empty or a sequence of {@code /segment}, each segment non-empty, not {@code .}
 *       or {@code ..}, made of {@code [a-zA-Z0-9._-]}; no trailing slash;
 *   <li>no query, no fragment, no percent-encoding;
 *   <li>the whole ID is at most {@value #MAX_LENGTH} bytes.
 * </ul>
 *
 * <p>Because every accepted character is ASCII, the string form is canonical: two IDs are equal
 * exactly when their strings are equal, and {@code parse(id.toString()).equals(id)} always holds.
 */
public final class SpiffeId implements Comparable<SpiffeId> {

    /** Maximum length of a SPIFFE ID in bytes (SPIFFE-ID standard, section 2.3). */
    public static final int MAX_LENGTH = 2048;

    static final String SCHEME_PREFIX = "spiffe://";

    private final TrustDomain trustDomain;
    private final String path;
    private final String uri;

    private SpiffeId(TrustDomain trustDomain, String path) {
        this.trustDomain = trustDomain;
        this.path = path;
        this.uri = trustDomain.idString() + path;
    }

    /** Creates an ID from parts already checked by the caller (package-private). */
    static SpiffeId ofValidated(TrustDomain trustDomain, String path) {
        return new SpiffeId(trustDomain, path);
    }

    /**
     * Parses a SPIFFE ID, applying every rule listed in the class documentation.
     *
     * <p>The input is scanned left to right and the first violation found is reported, except that
     * user info ({@code @} before the first {@code /}) is reported before other authority errors.
     *
     * @param id the untrusted input
     * @return the SPIFFE ID
     * @throws InvalidSpiffeIdException with one of the constants of {@link InvalidSpiffeIdException}
     */
    public static SpiffeId parse(String id) throws InvalidSpiffeIdException {
        Objects.requireNonNull(id, "id");
        if (id.isEmpty()) {
            throw new InvalidSpiffeIdException(InvalidSpiffeIdException.EMPTY);
        }
        // Each char is at least one UTF-8 byte, so a longer string is always too long; a shorter one
        // holding non-ASCII characters is rejected below for its characters.
        if (id.length() > MAX_LENGTH) {
            throw new InvalidSpiffeIdException(InvalidSpiffeIdException.TOO_LONG);
        }
        if (!id.startsWith(SCHEME_PREFIX)) {
            if (id.regionMatches(true, 0, SCHEME_PREFIX, 0, SCHEME_PREFIX.length())) {
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.SCHEME_NOT_LOWERCASE);
            }
            throw new InvalidSpiffeIdException(InvalidSpiffeIdException.WRONG_SCHEME);
        }
        int start = SCHEME_PREFIX.length();
        checkNoUserInfo(id, start);
        int end = start;
        while (end < id.length() && id.charAt(end) != '/') {
            TrustDomain.checkNameChar(id.charAt(end));
            end++;
        }
        if (end == start) {
            throw new InvalidSpiffeIdException(InvalidSpiffeIdException.MISSING_TRUST_DOMAIN);
        }
        if (end - start > TrustDomain.MAX_LENGTH) {
            throw new InvalidSpiffeIdException(InvalidSpiffeIdException.TRUST_DOMAIN_TOO_LONG);
        }
        String path = id.substring(end);
        checkPath(path);
        return new SpiffeId(TrustDomain.ofValidated(id.substring(start, end)), path);
    }

    /**
     * Creates a SPIFFE ID from a trust domain and a path.
     *
     * @param trustDomain the trust domain
     * @param path the empty string (the trust domain's own ID) or a path starting with {@code /}
     *     that satisfies the path rules of {@link #parse}
     * @return the SPIFFE ID
     * @throws InvalidSpiffeIdException when the path is invalid or the ID would be too long
     */
    public static SpiffeId of(TrustDomain trustDomain, String path) throws InvalidSpiffeIdException {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(path, "path");
        checkPath(path);
        return checkLength(new SpiffeId(trustDomain, path));
    }

    /**
     * Creates a SPIFFE ID from a trust domain and path segments, for example
     * {@code fromSegments(td, "spire", "agent", "join_token", token)}.
     *
     * @param trustDomain the trust domain
     * @param segments the path segments, without slashes; none may be empty, {@code .} or {@code ..}
     * @return the SPIFFE ID; the trust domain's own ID when no segment is given
     * @throws InvalidSpiffeIdException when a segment is invalid or the ID would be too long
     */
    public static SpiffeId fromSegments(TrustDomain trustDomain, String... segments)
            throws InvalidSpiffeIdException {
        Objects.requireNonNull(trustDomain, "trustDomain");
        StringBuilder path = new StringBuilder();
        for (String segment : segments) {
            Objects.requireNonNull(segment, "segment");
            if (segment.indexOf('/') >= 0) {
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.SEGMENT_CONTAINS_SLASH);
            }
            path.append('/').append(segment);
        }
        return of(trustDomain, path.toString());
    }

    /**
     * Reports user info before any other authority error, so that {@code spiffe://user:pw@host} is
     * rejected for its user info rather than for the colon.
     */
    private static void checkNoUserInfo(String id, int authorityStart) throws InvalidSpiffeIdException {
        for (int i = authorityStart; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                return;
            }
            if (c == '@') {
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.USERINFO_NOT_ALLOWED);
            }
        }
    }

    private static SpiffeId checkLength(SpiffeId id) throws InvalidSpiffeIdException {
        if (id.uri.length() > MAX_LENGTH) {
            throw new InvalidSpiffeIdException(InvalidSpiffeIdException.TOO_LONG);
        }
        return id;
    }

    private static void checkPath(String path) throws InvalidSpiffeIdException {
        if (path.isEmpty()) {
            return;
        }
        if (path.charAt(0) != '/') {
            throw new InvalidSpiffeIdException(InvalidSpiffeIdException.NO_LEADING_SLASH);
        }
        int segmentStart = 1;
        for (int i = 1; i <= path.length(); i++) {
            if (i < path.length() && path.charAt(i) != '/') {
                checkPathChar(path.charAt(i));
                continue;
            }
            int segmentLength = i - segmentStart;
            if (segmentLength == 0) {
                throw new InvalidSpiffeIdException(i == path.length()
                        ? InvalidSpiffeIdException.TRAILING_SLASH
                        : InvalidSpiffeIdException.EMPTY_SEGMENT);
            }
            if (path.charAt(segmentStart) == '.'
                    && (segmentLength == 1 || (segmentLength == 2 && path.charAt(segmentStart + 1) == '.'))) {
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.DOT_SEGMENT);
            }
            segmentStart = i + 1;
        }
    }

    private static void checkPathChar(char c) throws InvalidSpiffeIdException {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '-' || c == '_') {
            return;
        }
        switch (c) {
            case '%':
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.PERCENT_ENCODED);
            case '?':
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.QUERY_NOT_ALLOWED);
            case '#':
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.FRAGMENT_NOT_ALLOWED);
            default:
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.BAD_PATH_SEGMENT_CHAR);
        }
    }

    /** The trust domain this ID belongs to. */
    public TrustDomain trustDomain() {
        return trustDomain;
    }

    /** The path: empty for a trust domain's own ID, otherwise starting with {@code /}. */
    public String path() {
        return path;
    }

    /** Whether this ID belongs to the given trust domain. */
    public boolean isMemberOf(TrustDomain trustDomain) {
        return this.trustDomain.equals(trustDomain);
    }

    /** Whether this is a trust domain's own ID (empty path), as carried by signing CAs. */
    public boolean isTrustDomainId() {
        return path.isEmpty();
    }

    @Override
    public int compareTo(SpiffeId other) {
        return uri.compareTo(other.uri);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpiffeId && ((SpiffeId) o).uri.equals(uri);
    }

    @Override
    public int hashCode() {
        return uri.hashCode();
    }

    /** Returns the full URI, for example {@code spiffe://example.org/ns/prod/sa/web}. */
    @Override
    public String toString() {
        return uri;
    }
}
