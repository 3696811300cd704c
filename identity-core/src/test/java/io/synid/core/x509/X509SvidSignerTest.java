package io.synid.core.x509;

import static io.synid.core.x509.X509AuthorityFactoryTest.NOW;
import static io.synid.core.x509.X509AuthorityFactoryTest.TD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.core.spiffeid.SpiffeId;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class X509SvidSignerTest {

    private static SpiffeId id(String id) {
        try {
            return SpiffeId.parse(id);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static final SpiffeId WORKLOAD = id("spiffe://example.org/ns/prod/sa/web");

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void svidFollowsTheX509SvidProfile(KeyType caKeyType) throws Exception {
        SigningAuthority ca = X509AuthorityFactory.newSelfSignedAuthority(caKeyType, TD, Duration.ofDays(1), NOW);
        for (KeyType leafKeyType : KeyType.values()) {
            KeyPair leafKey = leafKeyType.generate();
            X509Certificate svid = X509SvidSigner.signSvid(ca, leafKey.getPublic(), WORKLOAD,
                    List.of("web.example.org", "web"), Duration.ofHours(1), NOW);

            CertificateProfile.assertSvid(svid, WORKLOAD, List.of("web.example.org", "web"));
            svid.verify(ca.certificate().getPublicKey());
            assertThat(svid.getPublicKey()).isEqualTo(leafKey.getPublic());
            assertThat(svid.getSigAlgName()).isEqualToIgnoringCase(caKeyType.x509SignatureAlgorithm());
            assertThat(svid.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
            assertThat(CertificateProfile.authorityKeyId(svid)).isEqualTo(CertificateProfile.subjectKeyId(ca.certificate()));
            assertThat(svid.getNotBefore().toInstant()).isEqualTo(Instant.parse("2026-11-24T09:59:50Z"));
            assertThat(svid.getNotAfter().toInstant()).isEqualTo(Instant.parse("2026-11-24T11:00:00Z"));
            assertValidPkixPath(svid, ca);
        }
    }

    @Test
    void subjectIsSpireStyleWithCommonNameAndUniqueIdentifier() throws Exception {
        SigningAuthority ca = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256, TD, Duration.ofDays(1), NOW);
        X509Certificate svid = X509SvidSigner.signSvid(ca, KeyType.EC_P256.generate().getPublic(), WORKLOAD,
                List.of("web.example.org", "web.example.org", "api.example.org"), Duration.ofHours(1), NOW);

        X500Name subject = X500Name.getInstance(svid.getSubjectX500Principal().getEncoded());
        assertThat(value(subject, BCStyle.C)).isEqualTo("US");
        assertThat(value(subject, BCStyle.O)).isEqualTo("SPIRE");
        assertThat(value(subject, BCStyle.CN)).isEqualTo("web.example.org");
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(WORKLOAD.toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(value(subject, BCStyle.UNIQUE_IDENTIFIER)).isEqualTo(HexFormat.of().formatHex(digest, 0, 16));
        assertThat(CertificateProfile.dnsSans(svid)).containsExactly("web.example.org", "api.example.org");
    }

    @Test
    void withoutDnsNamesThereIsNoCommonNameAndOnlyTheUriSan() throws Exception {
        SigningAuthority ca = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256, TD, Duration.ofDays(1), NOW);
        X509Certificate svid = X509SvidSigner.signSvid(ca, KeyType.EC_P256.generate().getPublic(), WORKLOAD,
                List.of(), Duration.ofHours(1), NOW);

        X500Name subject = X500Name.getInstance(svid.getSubjectX500Principal().getEncoded());
        assertThat(subject.getRDNs(BCStyle.CN)).isEmpty();
        assertThat(svid.getSubjectAlternativeNames()).hasSize(1);
        CertificateProfile.assertSvid(svid, WORKLOAD, List.of());
    }

    @Test
    void ttlIsCappedAtTheAuthorityAndItsChain() throws Exception {
        SigningAuthority root = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256, TD, Duration.ofHours(3), NOW);
        SigningAuthority intermediate = X509AuthorityFactory.newIntermediateAuthority(root, KeyType.EC_P256, TD,
                Duration.ofHours(2), NOW);

        X509Certificate fromRoot = X509SvidSigner.signSvid(root, KeyType.EC_P256.generate().getPublic(), WORKLOAD,
                List.of(), Duration.ofDays(30), NOW);
        X509Certificate fromIntermediate = X509SvidSigner.signSvid(intermediate, KeyType.EC_P256.generate().getPublic(),
                WORKLOAD, List.of(), Duration.ofDays(30), NOW.plusSeconds(1));

        assertThat(fromRoot.getNotAfter()).isEqualTo(root.certificate().getNotAfter());
        assertThat(fromIntermediate.getNotAfter()).isEqualTo(intermediate.certificate().getNotAfter());
        assertValidPkixPath(fromIntermediate, intermediate);
    }

    @Test
    void refusesIdentitiesOutsideTheAuthoritysTrustDomain() {
        SigningAuthority ca = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256, TD, Duration.ofDays(1), NOW);
        KeyPair leafKey = KeyType.EC_P256.generate();
        assertThatThrownBy(() -> X509SvidSigner.signSvid(ca, leafKey.getPublic(), id("spiffe://evil.org/web"),
                List.of(), Duration.ofHours(1), NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a member of trust domain example.org");
        assertThatThrownBy(() -> X509SvidSigner.signSvid(ca, leafKey.getPublic(), id("spiffe://example.org"),
                List.of(), Duration.ofHours(1), NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("with a path");
    }

    @Test
    void refusesImplausibleDnsNamesAndExpiredAuthorities() {
        SigningAuthority ca = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256, TD, Duration.ofHours(1), NOW);
        KeyPair leafKey = KeyType.EC_P256.generate();
        for (String bad : List.of("", "web example", "wéb", "a".repeat(254), "web/x")) {
            assertThatThrownBy(() -> X509SvidSigner.signSvid(ca, leafKey.getPublic(), WORKLOAD, List.of(bad),
                    Duration.ofHours(1), NOW))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid DNS name");
        }
        assertThatThrownBy(() -> X509SvidSigner.signSvid(ca, leafKey.getPublic(), WORKLOAD, List.of(),
                Duration.ofHours(1), NOW.plus(Duration.ofHours(1))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** The JDK's own PKIX validator accepts leaf + chain against the chain's last certificate. */
    private static void assertValidPkixPath(X509Certificate leaf, SigningAuthority ca) throws Exception {
        List<X509Certificate> chain = ca.chain();
        X509Certificate anchor = chain.get(chain.size() - 1);
        List<X509Certificate> path = new ArrayList<>();
        path.add(leaf);
        path.addAll(chain.subList(0, chain.size() - 1));
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(NOW.plusSeconds(5)));
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
    }

    private static String value(X500Name name, ASN1ObjectIdentifier type) {
        RDN[] rdns = name.getRDNs(type);
        assertThat(rdns).hasSize(1);
        return IETFUtils.valueToString(rdns[0].getFirst().getValue());
    }
}
