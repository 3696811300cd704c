package io.synid.core.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class X509AuthorityFactoryTest {

    static final Instant NOW = Instant.parse("2026-11-24T10:00:00.750Z");
    static final TrustDomain TD = trustDomain("example.org");

    static TrustDomain trustDomain(String name) {
        try {
            return TrustDomain.parse(name);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void selfSignedRootFollowsTheSigningCaProfile(KeyType keyType) throws Exception {
        KeyPair keyPair = keyType.generate();
        X509Certificate root = X509AuthorityFactory.selfSignedRoot(keyPair, TD, Duration.ofDays(30), NOW);

        CertificateProfile.assertSigningCa(root, TD);
        assertThat(root.getSigAlgName()).isEqualToIgnoringCase(keyType.x509SignatureAlgorithm());
        assertThat(root.getIssuerX500Principal()).isEqualTo(root.getSubjectX500Principal());
        root.verify(keyPair.getPublic());
        assertThat(CertificateProfile.authorityKeyId(root)).isEqualTo(CertificateProfile.subjectKeyId(root));
        assertThat(CertificateProfile.subjectKeyId(root))
                .isEqualTo(CertificateTemplate.subjectKeyIdentifier(keyPair.getPublic()).getKeyIdentifier());
        assertThat(root.getNotBefore().toInstant()).isEqualTo(Instant.parse("2026-11-24T09:59:50Z"));
        assertThat(root.getNotAfter().toInstant()).isEqualTo(Instant.parse("2026-12-24T10:00:00Z"));
    }

    @Test
    void subjectCarriesTheSerialNumberSoEveryCaSubjectIsUnique() throws Exception {
        KeyPair keyPair = KeyType.EC_P256.generate();
        X509Certificate first = X509AuthorityFactory.selfSignedRoot(keyPair, TD, Duration.ofDays(1), NOW);
        X509Certificate second = X509AuthorityFactory.selfSignedRoot(keyPair, TD, Duration.ofDays(1), NOW);

        X500Name subject = X500Name.getInstance(first.getSubjectX500Principal().getEncoded());
        assertThat(value(subject, BCStyle.C)).isEqualTo("US");
        assertThat(value(subject, BCStyle.O)).isEqualTo("SPIFFE");
        assertThat(value(subject, BCStyle.SERIALNUMBER)).isEqualTo(first.getSerialNumber().toString());
        assertThat(first.getSubjectX500Principal()).isNotEqualTo(second.getSubjectX500Principal());
        assertThat(first.getSerialNumber()).isNotEqualTo(second.getSerialNumber());
    }

    @Test
    void serialNumbersAreRandomPositiveAndAtMost128Bits() {
        KeyPair keyPair = KeyType.EC_P256.generate();
        for (int i = 0; i < 20; i++) {
            X509Certificate root = X509AuthorityFactory.selfSignedRoot(keyPair, TD, Duration.ofDays(1), NOW);
            assertThat(root.getSerialNumber().signum()).isPositive();
            assertThat(root.getSerialNumber().bitLength()).isLessThanOrEqualTo(128);
        }
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void intermediateChainsToItsParent(KeyType keyType) throws Exception {
        SigningAuthority upstream = X509AuthorityFactory.newSelfSignedAuthority(KeyType.RSA_2048,
                trustDomain("upstream.example"), Duration.ofDays(365), NOW);
        KeyPair keyPair = keyType.generate();
        X509Certificate intermediate = X509AuthorityFactory.signIntermediate(upstream, keyPair.getPublic(), TD,
                Duration.ofDays(7), NOW);

        CertificateProfile.assertSigningCa(intermediate, TD);
        intermediate.verify(upstream.certificate().getPublicKey());
        assertThat(intermediate.getIssuerX500Principal()).isEqualTo(upstream.certificate().getSubjectX500Principal());
        assertThat(CertificateProfile.authorityKeyId(intermediate)).isEqualTo(CertificateProfile.subjectKeyId(upstream.certificate()));
        assertThat(intermediate.getSigAlgName()).isEqualToIgnoringCase("SHA256withRSA");
        assertThat(intermediate.getNotAfter().toInstant()).isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));

        SigningAuthority authority = new SigningAuthority(keyPair, intermediate, upstream.chain());
        assertThat(authority.chain()).containsExactly(intermediate, upstream.certificate());
        assertThat(authority.trustDomain()).contains(TD);
    }

    @Test
    void intermediateNeverOutlivesItsChain() {
        SigningAuthority root = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P384, TD, Duration.ofDays(10), NOW);
        SigningAuthority middle = X509AuthorityFactory.newIntermediateAuthority(root, KeyType.EC_P256, TD,
                Duration.ofDays(5), NOW);
        SigningAuthority bottom = X509AuthorityFactory.newIntermediateAuthority(middle, KeyType.EC_P256, TD,
                Duration.ofDays(100), NOW.plusSeconds(60));

        assertThat(middle.certificate().getNotAfter().toInstant()).isEqualTo(Instant.parse("2026-11-29T10:00:00Z"));
        assertThat(bottom.certificate().getNotAfter()).isEqualTo(middle.certificate().getNotAfter());
        assertThat(bottom.upstreamChain()).containsExactly(middle.certificate(), root.certificate());
        assertThat(bottom.expiresAt()).isEqualTo(Instant.parse("2026-11-29T10:00:00Z"));
    }

    @Test
    void refusesToSignWithAnExpiredParentOrANonPositiveTtl() {
        SigningAuthority root = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256, TD, Duration.ofHours(1), NOW);
        KeyPair keyPair = KeyType.EC_P256.generate();
        assertThatThrownBy(() -> X509AuthorityFactory.signIntermediate(root, keyPair.getPublic(), TD,
                Duration.ofHours(1), NOW.plus(Duration.ofHours(2))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> X509AuthorityFactory.selfSignedRoot(keyPair, TD, Duration.ZERO, NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> X509AuthorityFactory.selfSignedRoot(keyPair, TD, Duration.ofSeconds(-1), NOW))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void capsValidityAtTheLastTimeX509CanExpress() {
        X509Certificate root = X509AuthorityFactory.selfSignedRoot(KeyType.EC_P256.generate(), TD,
                Duration.ofDays(365L * 20_000), NOW);
        assertThat(root.getNotAfter().toInstant()).isEqualTo(Instant.parse("9999-12-31T23:59:59Z"));
    }

    @Test
    void signingAuthorityChecksItsInvariants() throws Exception {
        SigningAuthority root = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256, TD, Duration.ofDays(1), NOW);
        KeyPair otherKey = KeyType.EC_P256.generate();
        assertThatThrownBy(() -> new SigningAuthority(otherKey, root.certificate(), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match");

        X509Certificate leaf = X509SvidSigner.signSvid(root, otherKey.getPublic(),
                SpiffeId.parse("spiffe://example.org/w"), List.of(), Duration.ofHours(1), NOW);
        assertThatThrownBy(() -> new SigningAuthority(otherKey, leaf, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a CA");

        assertThat(root.upstreamChain()).isEmpty();
        assertThat(root.chain()).containsExactly(root.certificate());
        assertThat(root.toString()).contains("SigningAuthority[subject=").doesNotContain("Private");
    }

    private static String value(X500Name name, ASN1ObjectIdentifier type) {
        RDN[] rdns = name.getRDNs(type);
        assertThat(rdns).hasSize(1);
        return IETFUtils.valueToString(rdns[0].getFirst().getValue());
    }
}
