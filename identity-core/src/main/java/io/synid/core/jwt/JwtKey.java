package io.synid.core.jwt;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Objects;

/**
 * A JWT authority: a public key that verifies JWT-SVIDs carrying its key ID.
 *
 * <p>Invariants ({@link IllegalArgumentException} otherwise): the key ID is non-empty and has no
 * control characters; the key is an EC or RSA public key. SPIFFE bundles do not carry key
 * expiry, so keys read from a bundle document get {@link #NO_EXPIRY}.
 *
 * @param keyId the key ID ({@code kid})
 * @param publicKey the EC or RSA public key
 * @param expiresAt when the key stops being published, or {@link #NO_EXPIRY}
 */
public record JwtKey(String keyId, PublicKey publicKey, Instant expiresAt) {

    /**
     * The expiry of a key whose expiry is unknown (for example, read from a bundle document):
     * {@link Instant#MAX}. SPIRE's API represents it as {@code expires_at = 0}.
     */
    public static final Instant NO_EXPIRY = Instant.MAX;

    /**
     * Creates a JWT authority.
     *
     * @throws IllegalArgumentException when an invariant of the class documentation does not hold
     */
    public JwtKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (keyId.isEmpty() || keyId.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("key ID must be non-empty and free of control characters");
        }
        if (!(publicKey instanceof ECPublicKey) && !(publicKey instanceof RSAPublicKey)) {
            throw new IllegalArgumentException("JWT authority keys must be EC or RSA keys");
        }
    }

    /** A key whose expiry is unknown. */
    public static JwtKey withoutExpiry(String keyId, PublicKey publicKey) {
        return new JwtKey(keyId, publicKey, NO_EXPIRY);
    }

    /** Whether {@link #expiresAt()} is known. */
    public boolean hasExpiry() {
        return !NO_EXPIRY.equals(expiresAt);
    }
}
