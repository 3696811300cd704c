package io.synid.core.x509;

import java.io.IOException;
import java.math.BigInteger;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * One certificate being built: the parts common to CA certificates and X509-SVIDs (serial number,
 * validity, key identifiers, signature). Package-private; {@link X509AuthorityFactory} and
 * {@link X509SvidSigner} decide the profile.
 */
final class CertificateTemplate {

    /** How far NotBefore is moved into the past to absorb clock skew (SPIRE uses the same). */
    static final Duration NOT_BEFORE_BACKDATE = Duration.ofSeconds(10);

    /** The latest time X.509 can express (GeneralizedTime, RFC 5280 4.1.2.5). */
    private static final Instant LATEST_EXPRESSIBLE = Instant.parse("9999-12-31T23:59:59Z");

    private static final SecureRandom RANDOM = new SecureRandom();

    private final BigInteger serialNumber = newSerialNumber();
    private final List<Extension> extensions = new ArrayList<>();
    private final PublicKey subjectKey;
    private X500Name subject;
    private X500Name issuer;
    private Instant notBefore;
    private Instant notAfter;

    CertificateTemplate(PublicKey subjectKey) {
        this.subjectKey = subjectKey;
    }

    BigInteger serialNumber() {
        return serialNumber;
    }

    /** Sets the subject; the issuer defaults to the subject (self-signed). */
    CertificateTemplate subject(X500Name subject) {
        this.subject = subject;
        return this;
    }

    CertificateTemplate issuer(X500Name issuer) {
        this.issuer = issuer;
        return this;
    }

    /**
     * Sets NotBefore to {@code now} minus {@link #NOT_BEFORE_BACKDATE} and NotAfter to
     * {@code now + ttl}, capped at {@code cap}; both are truncated to whole seconds, the precision of
     * X.509 validity times.
     *
     * @throws IllegalArgumentException when the ttl is not positive or the cap leaves no validity
     */
    CertificateTemplate validity(Instant now, Duration ttl, Instant cap) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive");
        }
        notBefore = now.minus(NOT_BEFORE_BACKDATE).truncatedTo(ChronoUnit.SECONDS);
        Instant limit = cap.isBefore(LATEST_EXPRESSIBLE) ? cap : LATEST_EXPRESSIBLE;
        notAfter = (ttl.compareTo(Duration.between(now, limit)) >= 0 ? limit : now.plus(ttl))
                .truncatedTo(ChronoUnit.SECONDS);
        if (!notAfter.isAfter(now.truncatedTo(ChronoUnit.SECONDS))) {
            throw new IllegalArgumentException("the signing authority expires before " + now);
        }
        return this;
    }

    CertificateTemplate extension(ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) {
        try {
            extensions.add(new Extension(oid, critical, value.toASN1Primitive().getEncoded()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode extension " + oid, e);
        }
        return this;
    }

    /**
     * Adds the Subject Key Identifier of the subject key and the Authority Key Identifier of the
     * issuer (its SKI extension, or computed from its key when the extension is absent).
     */
    CertificateTemplate keyIdentifiers(PublicKey issuerKey, byte[] issuerSubjectKeyId) {
        extension(Extension.subjectKeyIdentifier, false, subjectKeyIdentifier(subjectKey));
        byte[] authorityKeyId = issuerSubjectKeyId.length > 0
                ? issuerSubjectKeyId
                : subjectKeyIdentifier(issuerKey).getKeyIdentifier();
        return extension(Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(authorityKeyId));
    }

    /** Signs the certificate with the issuer's key. */
    X509Certificate sign(PrivateKey issuerKey) {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                issuer == null ? subject : issuer,
                serialNumber,
                Date.from(notBefore),
                Date.from(notAfter),
                subject,
                subjectKey);
        try {
            for (Extension extension : extensions) {
                builder.addExtension(extension);
            }
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(contentSigner(issuerKey)));
        } catch (CertIOException | OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("cannot sign certificate", e);
        }
    }

    /** A content signer for {@code key}, with the faster ECDSA provider for EC keys. */
    static org.bouncycastle.operator.ContentSigner contentSigner(PrivateKey key) throws OperatorCreationException {
        JcaContentSignerBuilder builder = new JcaContentSignerBuilder(signatureAlgorithm(key));
        EcdsaProvider.forKey(key).ifPresent(builder::setProvider);
        return builder.build(key);
    }

    /** The Subject Key Identifier of a key: SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2). */
    static SubjectKeyIdentifier subjectKeyIdentifier(PublicKey key) {
        try {
            return new JcaX509ExtensionUtils().createSubjectKeyIdentifier(key);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is not available", e);
        }
    }

    /** The keyIdentifier of a certificate's SKI extension; empty when it has none. */
    static byte[] subjectKeyId(X509Certificate certificate) {
        byte[] extension = certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        if (extension == null) {
            return new byte[0];
        }
        return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(extension).getOctets())
                .getKeyIdentifier();
    }

    /**
     * The signature algorithm a key signs certificates with: ECDSA with the hash matching the curve
     * size (SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521), SHA-256 with RSA otherwise.
     *
     * @throws IllegalArgumentException for keys that are neither EC nor RSA
     */
    static String signatureAlgorithm(PrivateKey key) {
        if (key instanceof ECKey) {
            int fieldSize = ((ECKey) key).getParams().getCurve().getField().getFieldSize();
            if (fieldSize <= 256) {
                return KeyType.EC_P256.x509SignatureAlgorithm();
            }
            return fieldSize <= 384 ? KeyType.EC_P384.x509SignatureAlgorithm() : "SHA512withECDSA";
        }
        if (key instanceof RSAKey) {
            return KeyType.RSA_2048.x509SignatureAlgorithm();
        }
        throw new IllegalArgumentException("unsupported signing key algorithm " + key.getAlgorithm());
    }

    private static BigInteger newSerialNumber() {
        BigInteger serial;
        do {
            serial = new BigInteger(128, RANDOM);
        } while (serial.signum() == 0);
        return serial;
    }
}
