package io.synid.core.x509;

import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * Signs X509-SVIDs (leaf certificates) with a {@link SigningAuthority}.
 *
 * <p>Profile (the SPIFFE X509-SVID standard, with SPIRE's choices):
 *
 * <ul>
 *   <li>SAN: exactly one URI, the SPIFFE ID, then the DNS names in the given order;
 *   <li>Basic Constraints {@code cA=false}, critical;
 *   <li>Key Usage {@code digitalSignature, keyEncipherment, keyAgreement}, critical;
 *   <li>Extended Key Usage {@code serverAuth, clientAuth};
 *   <li>Subject Key Identifier, and Authority Key Identifier naming the CA's key;
 *   <li>Subject {@code C=US, O=SPIRE[, CN=<first DNS name>], x500UniqueIdentifier=<hex of the first
 *       16 bytes of SHA-256(SPIFFE ID)>} (the unique identifier keeps subjects distinct per ID, as
 *       RFC 5280 asks; SPIRE does the same);
 *   <li>a random positive 128-bit serial number;
 *   <li>NotBefore {@code now - 10 s}; NotAfter {@code now + ttl} capped at the authority's
 *       {@link SigningAuthority#expiresAt() expiry}.
 * </ul>
 *
 * <p>The chain a workload presents is the returned leaf followed by
 * {@link SigningAuthority#chain()} (the trust anchor may be left out).
 */
public final class X509SvidSigner {

    private static final int MAX_DNS_NAME_LENGTH = 253;

    private X509SvidSigner() {
    }

    /**
     * Signs an X509-SVID.
     *
     * @param ca the signing authority
     * @param subjectKey the workload's public key (typically from a verified {@link Csr})
     * @param id the SPIFFE ID; must have a non-empty path and, when the authority's certificate names
     *     a trust domain, belong to it
     * @param dnsNames DNS SANs, possibly empty; duplicates are dropped, order is kept
     * @param ttl the requested validity, positive
     * @param now the current time
     * @return the leaf certificate
     * @throws IllegalArgumentException when an argument breaks the rules above, a DNS name is not a
     *     plausible host name (letters, digits, {@code - _ . *}, at most 253 characters), or the
     *     authority has expired
     */
    public static X509Certificate signSvid(SigningAuthority ca, PublicKey subjectKey, SpiffeId id,
            List<String> dnsNames, Duration ttl, Instant now) {
        Objects.requireNonNull(ca, "ca");
        Objects.requireNonNull(subjectKey, "subjectKey");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(now, "now");
        if (id.isTrustDomainId()) {
            throw new IllegalArgumentException("an X509-SVID needs a SPIFFE ID with a path, not " + id);
        }
        Optional<TrustDomain> authorityDomain = ca.trustDomain();
        if (authorityDomain.isPresent() && !id.isMemberOf(authorityDomain.get())) {
            throw new IllegalArgumentException(id + " is not a member of trust domain " + authorityDomain.get());
        }
        List<String> names = checkDnsNames(dnsNames);

        List<GeneralName> sans = new ArrayList<>(names.size() + 1);
        sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, new DERIA5String(id.toString())));
        for (String name : names) {
            sans.add(new GeneralName(GeneralName.dNSName, new DERIA5String(name)));
        }
        X509Certificate caCertificate = ca.certificate();
        return new CertificateTemplate(subjectKey)
                .subject(svidSubject(id, names))
                .issuer(X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded()))
                .validity(now, ttl, ca.expiresAt())
                .extension(Extension.basicConstraints, true, new BasicConstraints(false))
                .extension(Extension.keyUsage, true, new KeyUsage(
                        KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement))
                .extension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                .extension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(new GeneralName[0])))
                .keyIdentifiers(caCertificate.getPublicKey(), CertificateTemplate.subjectKeyId(caCertificate))
                .sign(ca.keyPair().getPrivate());
    }

    private static List<String> checkDnsNames(List<String> dnsNames) {
        Set<String> unique = new LinkedHashSet<>();
        for (String name : dnsNames) {
            Objects.requireNonNull(name, "dnsName");
            if (name.isEmpty() || name.length() > MAX_DNS_NAME_LENGTH || !name.chars().allMatch(X509SvidSigner::isDnsChar)) {
                throw new IllegalArgumentException("invalid DNS name \"" + name + "\"");
            }
            unique.add(name);
        }
        return List.copyOf(unique);
    }

    private static boolean isDnsChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '*';
    }

    private static X500Name svidSubject(SpiffeId id, List<String> dnsNames) {
        X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, "US")
                .addRDN(BCStyle.O, "SPIRE");
        if (!dnsNames.isEmpty()) {
            subject.addRDN(BCStyle.CN, dnsNames.get(0));
        }
        return subject.addRDN(BCStyle.UNIQUE_IDENTIFIER, new DERPrintableString(uniqueId(id))).build();
    }

    private static String uniqueId(SpiffeId id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.toString().getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(digest, 0, digest.length / 2);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
