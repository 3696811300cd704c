package io.synid.core.x509;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;

/** Assertions on the certificate profiles of the SPIFFE X509-SVID standard, shared by the x509 tests. */
final class CertificateProfile {

    private static final int URI = 6;
    private static final int DNS = 2;

    private CertificateProfile() {
    }

    /** A signing CA: cA=true, critical key usage keyCertSign+cRLSign, URI SAN = the trust domain ID. */
    static void assertSigningCa(X509Certificate certificate, TrustDomain trustDomain) throws Exception {
        assertThat(certificate.getVersion()).isEqualTo(3);
        assertThat(certificate.getBasicConstraints()).as("cA=true").isGreaterThanOrEqualTo(0);
        assertThat(certificate.getCriticalExtensionOIDs())
                .contains(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
        boolean[] keyUsage = certificate.getKeyUsage();
        assertThat(keyUsage[5]).as("keyCertSign").isTrue();
        assertThat(keyUsage[6]).as("cRLSign").isTrue();
        assertThat(keyUsage[0] || keyUsage[2] || keyUsage[4]).as("no leaf usages").isFalse();
        assertThat(uriSans(certificate)).containsExactly(trustDomain.idString());
        assertThat(subjectKeyId(certificate)).isNotEmpty();
        assertThat(authorityKeyId(certificate)).isNotEmpty();
        assertThat(certificate.getSerialNumber().signum()).isPositive();
    }

    /** An X509-SVID leaf: one URI SAN, cA=false, critical leaf key usage, server+client EKU. */
    static void assertSvid(X509Certificate certificate, SpiffeId id, List<String> dnsNames) throws Exception {
        assertThat(certificate.getVersion()).isEqualTo(3);
        assertThat(certificate.getBasicConstraints()).as("cA=false").isEqualTo(-1);
        assertThat(certificate.getCriticalExtensionOIDs())
                .contains(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
        boolean[] keyUsage = certificate.getKeyUsage();
        assertThat(keyUsage[0]).as("digitalSignature").isTrue();
        assertThat(keyUsage[2]).as("keyEncipherment").isTrue();
        assertThat(keyUsage[4]).as("keyAgreement").isTrue();
        assertThat(keyUsage[5]).as("keyCertSign").isFalse();
        assertThat(keyUsage[6]).as("cRLSign").isFalse();
        assertThat(certificate.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(uriSans(certificate)).containsExactly(id.toString());
        assertThat(dnsSans(certificate)).containsExactlyElementsOf(dnsNames);
        assertThat(subjectKeyId(certificate)).isNotEmpty();
        assertThat(authorityKeyId(certificate)).isNotEmpty();
        assertThat(certificate.getSerialNumber().signum()).isPositive();
        assertThat(certificate.getSerialNumber().bitLength()).isLessThanOrEqualTo(128);
    }

    static List<String> uriSans(X509Certificate certificate) throws Exception {
        return sans(certificate, URI);
    }

    static List<String> dnsSans(X509Certificate certificate) throws Exception {
        return sans(certificate, DNS);
    }

    private static List<String> sans(X509Certificate certificate, int type) throws Exception {
        List<String> values = new ArrayList<>();
        Collection<List<?>> names = certificate.getSubjectAlternativeNames();
        if (names != null) {
            for (List<?> name : names) {
                if (Integer.valueOf(type).equals(name.get(0))) {
                    values.add((String) name.get(1));
                }
            }
        }
        return values;
    }

    static byte[] subjectKeyId(X509Certificate certificate) {
        byte[] value = certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(value).getOctets()).getKeyIdentifier();
    }

    static byte[] authorityKeyId(X509Certificate certificate) {
        byte[] value = certificate.getExtensionValue(Extension.authorityKeyIdentifier.getId());
        return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(value).getOctets()).getKeyIdentifierOctets();
    }
}
