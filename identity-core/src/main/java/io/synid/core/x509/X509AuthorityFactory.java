package io.synid.core.x509;

import io.synid.core.spiffeid.TrustDomain;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * Creates signing CA certificates for a trust domain: self-signed roots and intermediates signed
 * by a parent authority.
 *
 * <p>Profile (the SPIFFE X509-SVID signing certificate, as SPIRE issues it):
 *
 * <ul>
 *   <li>Basic Constraints {@code cA=true}, critical, no path length;
 *   <li>Key Usage {@code keyCertSign, cRLSign}, critical;
 *   <li>exactly one SAN, the URI {@code spiffe://<trust domain>};
 *   <li>Subject Key Identifier, and Authority Key Identifier naming the issuer's key (for a root,
 *       its own key);
 *   <li>Subject {@code C=US, O=SPIFFE, serialNumber=<certificate serial in decimal>}: unique per CA,
 *       because verifiers (notably Go's) misbehave when many roots share a subject;
 *   <li>a random positive 128-bit serial number;
 *   <li>NotBefore {@code now - 10 s}; NotAfter {@code now + ttl}, for an intermediate capped at
 *       the parent chain's earliest NotAfter.
 * </ul>
 */
public final class X509AuthorityFactory {

    private X509AuthorityFactory() {
    }

    /**
     * Creates a self-signed root CA certificate.
     *
     * @param keyPair the CA's key pair (EC or RSA)
     * @param trustDomain the trust domain the CA is authoritative for
     * @param ttl the validity, positive
     * @param now the current time
     * @return the certificate
     * @throws IllegalArgumentException when the ttl is not positive or the key type is unsupported
     */
    public static X509Certificate selfSignedRoot(KeyPair keyPair, TrustDomain trustDomain, Duration ttl, Instant now) {
        Objects.requireNonNull(keyPair, "keyPair");
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(now, "now");
        CertificateTemplate template = caTemplate(keyPair.getPublic(), trustDomain)
                .validity(now, ttl, Instant.MAX);
        return template.keyIdentifiers(keyPair.getPublic(), new byte[0]).sign(keyPair.getPrivate());
    }

    /**
     * Creates a self-signed root CA with a freshly generated key: a convenience for tests and for
     * servers without an upstream authority.
     */
    public static SigningAuthority newSelfSignedAuthority(KeyType keyType, TrustDomain trustDomain, Duration ttl,
            Instant now) {
        KeyPair keyPair = keyType.generate();
        return SigningAuthority.selfSigned(keyPair, selfSignedRoot(keyPair, trustDomain, ttl, now));
    }

    /**
     * Creates an intermediate CA certificate for {@code subjectKey}, signed by {@code parent}.
     *
     * <p>The result's NotAfter is capped at {@link SigningAuthority#expiresAt() parent.expiresAt()},
     * so an intermediate never outlives its chain. The parent may belong to another trust domain
     * (an upstream PKI), as SPIFFE allows.
     *
     * @param parent the authority that signs (its private key and certificate are used)
     * @param subjectKey the public key of the new CA
     * @param trustDomain the trust domain the new CA is authoritative for
     * @param ttl the requested validity, positive
     * @param now the current time
     * @return the certificate; build the new authority with
     *     {@code new SigningAuthority(keyPair, certificate, parent.chain())}
     * @throws IllegalArgumentException when the ttl is not positive, the parent has expired, or a key
     *     type is unsupported
     */
    public static X509Certificate signIntermediate(SigningAuthority parent, PublicKey subjectKey,
            TrustDomain trustDomain, Duration ttl, Instant now) {
        Objects.requireNonNull(parent, "parent");
        Objects.requireNonNull(subjectKey, "subjectKey");
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(now, "now");
        X509Certificate parentCertificate = parent.certificate();
        return caTemplate(subjectKey, trustDomain)
                .issuer(X500Name.getInstance(parentCertificate.getSubjectX500Principal().getEncoded()))
                .validity(now, ttl, parent.expiresAt())
                .keyIdentifiers(parentCertificate.getPublicKey(), CertificateTemplate.subjectKeyId(parentCertificate))
                .sign(parent.keyPair().getPrivate());
    }

    /**
     * Creates an intermediate authority with a freshly generated key, signed by {@code parent}.
     */
    public static SigningAuthority newIntermediateAuthority(SigningAuthority parent, KeyType keyType,
            TrustDomain trustDomain, Duration ttl, Instant now) {
        KeyPair keyPair = keyType.generate();
        X509Certificate certificate = signIntermediate(parent, keyPair.getPublic(), trustDomain, ttl, now);
        return new SigningAuthority(keyPair, certificate, parent.chain());
    }

    private static CertificateTemplate caTemplate(PublicKey subjectKey, TrustDomain trustDomain) {
        CertificateTemplate template = new CertificateTemplate(subjectKey);
        return template
                .subject(caSubject(template.serialNumber()))
                .extension(Extension.basicConstraints, true, new BasicConstraints(true))
                .extension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .extension(Extension.subjectAlternativeName, false, new GeneralNames(
                        new GeneralName(GeneralName.uniformResourceIdentifier, new DERIA5String(trustDomain.idString()))));
    }

    private static X500Name caSubject(BigInteger serialNumber) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, "US")
                .addRDN(BCStyle.O, "SPIFFE")
                .addRDN(BCStyle.SERIALNUMBER, serialNumber.toString())
                .build();
    }
}
