package io.synid.core.bundle;

import io.synid.core.jwt.JwtKey;
import io.synid.core.spiffeid.TrustDomain;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The trust bundle of one trust domain: the X.509 authorities (root CA certificates) and JWT
 * authorities that SVIDs of that trust domain are verified with, plus the bundle's sequence number
 * and refresh hint.
 *
 * <p>Invariants ({@link IllegalArgumentException} otherwise): lists are copied and unmodifiable;
 * duplicate X.509 authorities are dropped (first occurrence kept); JWT key IDs are unique; the
 * sequence number and refresh hint are not negative. A refresh hint of zero means "none given".
 *
 * @param trustDomain the trust domain the bundle is authoritative for
 * @param x509Authorities the X.509 authorities
 * @param jwtAuthorities the JWT authorities
 * @param sequenceNumber the bundle revision ({@code spiffe_sequence})
 * @param refreshHint how often consumers should refresh ({@code spiffe_refresh_hint}); whole seconds
 *     are published
 */
public record TrustBundle(TrustDomain trustDomain, List<X509Certificate> x509Authorities, List<JwtKey> jwtAuthorities,
        long sequenceNumber, Duration refreshHint) {

    /**
     * Creates a bundle.
     *
     * @throws IllegalArgumentException when an invariant of the class documentation does not hold
     */
    public TrustBundle {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(refreshHint, "refreshHint");
        x509Authorities = List.copyOf(new LinkedHashSet<>(x509Authorities));
        jwtAuthorities = List.copyOf(jwtAuthorities);
        Set<String> keyIds = new HashSet<>();
        for (JwtKey key : jwtAuthorities) {
            if (!keyIds.add(key.keyId())) {
                throw new IllegalArgumentException("duplicate JWT authority key ID " + key.keyId());
            }
        }
        if (sequenceNumber < 0) {
            throw new IllegalArgumentException("sequenceNumber cannot be negative");
        }
        if (refreshHint.isNegative()) {
            throw new IllegalArgumentException("refreshHint cannot be negative");
        }
    }

    /** An empty bundle (no authorities, sequence 0, no refresh hint). */
    public static TrustBundle empty(TrustDomain trustDomain) {
        return new TrustBundle(trustDomain, List.of(), List.of(), 0, Duration.ZERO);
    }

    /** The JWT authorities by key ID, in bundle order; the shape {@code JwtSvidValidator} uses. */
    public Map<String, PublicKey> jwtKeysById() {
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        for (JwtKey key : jwtAuthorities) {
            keys.put(key.keyId(), key.publicKey());
        }
        return Collections.unmodifiableMap(keys);
    }
}
