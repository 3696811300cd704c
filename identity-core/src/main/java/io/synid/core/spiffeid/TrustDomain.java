package io.synid.core.spiffeid;

import java.util.Objects;

/**
 * The name of a SPIFFE trust domain, for example {@code example.org}.
 *
 * <p>Instances are immutable and always valid: the name is non-empty, at most
 * {@value #MAX_LENGTH} bytes, and made of lowercase letters, digits, dots, dashes and underscores
 * (SPIFFE-ID standard, section 2.1). Two trust domains are equal when their names are equal.
 */
public final class TrustDomain implements Comparable<TrustDomain> {

    /** Maximum length of a trust domain name in bytes (the URI host limit, SPIFFE-ID 2.3). */
    public static final int MAX_LENGTH = 255;

    private final String name;

    private TrustDomain(String name) {
        this.name = name;
    }

    /**
     * Parses a trust domain from its name ({@code example.org}) or its SPIFFE ID
     * ({@code spiffe://example.org}).
     *
     * <p>Input containing {@code ":/"} is treated as a SPIFFE ID and must satisfy every rule of
     * {@link SpiffeId#parse}; it must also have an empty path, since a trust domain argument with a
     * path is almost always a configuration mistake.
     *
     * @param nameOrId the untrusted input
     * @return the trust domain
     * @throws InvalidSpiffeIdException with one of the constants of {@link InvalidSpiffeIdException}
     */
    public static TrustDomain parse(String nameOrId) throws InvalidSpiffeIdException {
        Objects.requireNonNull(nameOrId, "nameOrId");
        if (nameOrId.contains(":/")) {
            SpiffeId id = SpiffeId.parse(nameOrId);
            if (!id.path().isEmpty()) {
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.TRUST_DOMAIN_HAS_PATH);
            }
            return id.trustDomain();
        }
        if (nameOrId.isEmpty()) {
            throw new InvalidSpiffeIdException(InvalidSpiffeIdException.MISSING_TRUST_DOMAIN);
        }
        if (nameOrId.length() > MAX_LENGTH) {
            throw new InvalidSpiffeIdException(InvalidSpiffeIdException.TRUST_DOMAIN_TOO_LONG);
        }
        for (int i = 0; i < nameOrId.length(); i++) {
            checkNameChar(nameOrId.charAt(i));
        }
        return new TrustDomain(nameOrId);
    }

    /** Creates a trust domain from a name already checked by the caller (package-private). */
    static TrustDomain ofValidated(String name) {
        return new TrustDomain(name);
    }

    /**
     * Throws the precise error for a character that may not appear in a trust domain name; returns
     * normally for a valid character.
     */
    static void checkNameChar(char c) throws InvalidSpiffeIdException {
        if (isNameChar(c)) {
            return;
        }
        switch (c) {
            case ':':
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.PORT_NOT_ALLOWED);
            case '@':
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.USERINFO_NOT_ALLOWED);
            case '%':
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.PERCENT_ENCODED);
            case '?':
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.QUERY_NOT_ALLOWED);
            case '#':
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.FRAGMENT_NOT_ALLOWED);
            default:
                throw new InvalidSpiffeIdException(InvalidSpiffeIdException.BAD_TRUST_DOMAIN_CHAR);
        }
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    }

    /** The trust domain name, for example {@code example.org}. */
    public String name() {
        return name;
    }

    /** The trust domain's SPIFFE ID as a string, for example {@code spiffe://example.org}. */
    public String idString() {
        return SpiffeId.SCHEME_PREFIX + name;
    }

    /** The trust domain's SPIFFE ID: this trust domain with an empty path. */
    public SpiffeId spiffeId() {
        return SpiffeId.ofValidated(this, "");
    }

    @Override
    public int compareTo(TrustDomain other) {
        return name.compareTo(other.name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrustDomain && ((TrustDomain) o).name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    /** Returns the name, for example {@code example.org}. */
    @Override
    public String toString() {
        return name;
    }
}
