package io.synid.core.x509;

import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import java.security.KeyPair;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A certificate authority that signs X509-SVIDs (and, for downstream use, other CAs): its key
 * pair, its CA certificate, and the chain above that certificate.
 *
 * <p>Invariants, checked on construction ({@link IllegalArgumentException} otherwise): the
 * certificate is a CA certificate ({@code cA=true}) whose key usage, when present, allows
 * {@code keyCertSign}; its public key is the key pair's public key. {@code upstreamChain} is
 * ordered from the issuer of {@code certificate} upwards and is empty when {@code certificate} is
 * self-signed; it is copied and unmodifiable.
 *
 * <p>Security: the record holds the private key. {@link #toString()} never prints it.
 *
 * @param keyPair the CA's key pair
 * @param certificate the CA certificate
 * @param upstreamChain the certificates above {@code certificate}, nearest first
 */
public record SigningAuthority(KeyPair keyPair, X509Certificate certificate, List<X509Certificate> upstreamChain) {

    private static final int KEY_CERT_SIGN = 5;
    private static final int URI_NAME = 6;

    /**
     * Creates a signing authority.
     *
     * @throws IllegalArgumentException when an invariant of the class documentation does not hold
     */
    public SigningAuthority {
        Objects.requireNonNull(keyPair, "keyPair");
        Objects.requireNonNull(keyPair.getPublic(), "keyPair.public");
        Objects.requireNonNull(keyPair.getPrivate(), "keyPair.private");
        Objects.requireNonNull(certificate, "certificate");
        upstreamChain = List.copyOf(upstreamChain);
        if (certificate.getBasicConstraints() < 0) {
            throw new IllegalArgumentException("the signing certificate is not a CA certificate");
        }
        boolean[] keyUsage = certificate.getKeyUsage();
        if (keyUsage != null && (keyUsage.length <= KEY_CERT_SIGN || !keyUsage[KEY_CERT_SIGN])) {
            throw new IllegalArgumentException("the signing certificate's key usage does not allow keyCertSign");
        }
        if (!Arrays.equals(certificate.getPublicKey().getEncoded(), keyPair.getPublic().getEncoded())) {
            throw new IllegalArgumentException("the key pair does not match the signing certificate");
        }
        keyPair = EcdsaProvider.prepared(keyPair);
    }

    /** A self-signed authority: {@code upstreamChain} is empty. */
    public static SigningAuthority selfSigned(KeyPair keyPair, X509Certificate certificate) {
        return new SigningAuthority(keyPair, certificate, List.of());
    }

    /** {@code certificate} followed by {@code upstreamChain}: the chain to present after a leaf. */
    public List<X509Certificate> chain() {
        List<X509Certificate> chain = new ArrayList<>(upstreamChain.size() + 1);
        chain.add(certificate);
        chain.addAll(upstreamChain);
        return List.copyOf(chain);
    }

    /**
     * The earliest NotAfter of the chain: nothing this authority signs can be valid longer.
     */
    public Instant expiresAt() {
        Instant earliest = certificate.getNotAfter().toInstant();
        for (X509Certificate upstream : upstreamChain) {
            Instant notAfter = upstream.getNotAfter().toInstant();
            if (notAfter.isBefore(earliest)) {
                earliest = notAfter;
            }
        }
        return earliest;
    }

    /**
     * The trust domain named by the certificate's URI SAN ({@code spiffe://<td>}), when it has
     * exactly one SPIFFE URI SAN; empty otherwise (for example an upstream CA from another PKI).
     */
    public Optional<TrustDomain> trustDomain() {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (names == null) {
            return Optional.empty();
        }
        List<String> uris = new ArrayList<>();
        for (List<?> name : names) {
            if (Integer.valueOf(URI_NAME).equals(name.get(0))) {
                uris.add(String.valueOf(name.get(1)));
            }
        }
        if (uris.size() != 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(SpiffeId.parse(uris.get(0)).trustDomain());
        } catch (InvalidSpiffeIdException e) {
            return Optional.empty();
        }
    }

    /** Describes the certificate; never prints key material. */
    @Override
    public String toString() {
        return "SigningAuthority[subject=" + certificate.getSubjectX500Principal().getName()
                + ", serial=" + certificate.getSerialNumber().toString(16)
                + ", notAfter=" + certificate.getNotAfter().toInstant()
                + ", upstreamChain=" + upstreamChain.size() + "]";
    }
}
