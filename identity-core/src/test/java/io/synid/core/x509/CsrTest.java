package io.synid.core.x509;

import static io.synid.core.x509.InvalidCsrException.EMPTY;
import static io.synid.core.x509.InvalidCsrException.INVALID_KEY;
import static io.synid.core.x509.InvalidCsrException.MALFORMED;
import static io.synid.core.x509.InvalidCsrException.MALFORMED_EXTENSIONS;
import static io.synid.core.x509.InvalidCsrException.MULTIPLE_URI_SANS;
import static io.synid.core.x509.InvalidCsrException.SIGNATURE_INVALID;
import static io.synid.core.x509.InvalidCsrException.TOO_LARGE;
import static io.synid.core.x509.InvalidCsrException.UNSUPPORTED_KEY;
import static io.synid.core.x509.InvalidCsrException.UNSUPPORTED_SIGNATURE_ALGORITHM;
import static io.synid.core.x509.InvalidCsrException.URI_SAN_MISMATCH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.core.spiffeid.SpiffeId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class CsrTest {

    static final SpiffeId WORKLOAD = id("spiffe://example.org/workload");
    static final KeyPair EC_KEY = KeyType.EC_P256.generate();
    static final KeyPair RSA_KEY = KeyType.RSA_2048.generate();

    static SpiffeId id(String id) {
        try {
            return SpiffeId.parse(id);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Builds a CSR with Bouncy Castle directly, so tests can make ones our own code never would. */
    static byte[] csr(PublicKey publicKey, PrivateKey signingKey, String signatureAlgorithm, List<String> uris,
            List<String> dnsNames) {
        try {
            PKCS10CertificationRequestBuilder builder = new PKCS10CertificationRequestBuilder(
                    new X500Name("O=Test"), SubjectPublicKeyInfo.getInstance(publicKey.getEncoded()));
            if (!uris.isEmpty() || !dnsNames.isEmpty()) {
                GeneralName[] names = Stream.concat(
                        uris.stream().map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, new DERIA5String(u))),
                        dnsNames.stream().map(d -> new GeneralName(GeneralName.dNSName, new DERIA5String(d))))
                        .toArray(GeneralName[]::new);
                ExtensionsGenerator extensions = new ExtensionsGenerator();
                extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
                builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
            }
            return builder.build(new JcaContentSignerBuilder(signatureAlgorithm).build(signingKey)).getEncoded();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] ecCsr(List<String> uris) {
        return csr(EC_KEY.getPublic(), EC_KEY.getPrivate(), "SHA256withECDSA", uris, List.of());
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void parsesAndVerifiesCsrsOfEverySupportedKeyType(KeyType keyType) throws Exception {
        KeyPair keyPair = keyType.generate();
        Csr withoutSan = Csr.parse(Csr.create(keyPair));
        Csr withSan = Csr.parse(Csr.create(keyPair, WORKLOAD));

        assertThat(withoutSan.publicKey()).isEqualTo(keyPair.getPublic());
        assertThat(withoutSan.uriSans()).isEmpty();
        assertThat(withSan.publicKey()).isEqualTo(keyPair.getPublic());
        assertThat(withSan.uriSans()).containsExactly(WORKLOAD.toString());
        assertThatCode(() -> withSan.requireSpiffeId(WORKLOAD)).doesNotThrowAnyException();
        assertThatCode(() -> withoutSan.requireSpiffeId(WORKLOAD)).doesNotThrowAnyException();
    }

    @Test
    void acceptsOtherHashesLargerRsaKeysAndExposesDnsSans() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(3072);
        KeyPair rsa3072 = generator.generateKeyPair();
        KeyPair p384 = KeyType.EC_P384.generate();

        Csr rsa = Csr.parse(csr(rsa3072.getPublic(), rsa3072.getPrivate(), "SHA512withRSA", List.of(), List.of("a.example")));
        Csr ec = Csr.parse(csr(p384.getPublic(), p384.getPrivate(), "SHA256withECDSA",
                List.of(WORKLOAD.toString()), List.of("b.example", "c.example")));

        assertThat(rsa.dnsSans()).containsExactly("a.example");
        assertThat(ec.dnsSans()).containsExactly("b.example", "c.example");
        assertThat(ec.uriSans()).containsExactly(WORKLOAD.toString());
    }

    static Stream<Arguments> hostileCsrs() throws Exception {
        byte[] valid = ecCsr(List.of(WORKLOAD.toString()));
        KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC");
        ecGenerator.initialize(new ECGenParameterSpec("secp521r1"));
        KeyPair p521 = ecGenerator.generateKeyPair();
        KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
        rsaGenerator.initialize(1024);
        KeyPair rsa1024 = rsaGenerator.generateKeyPair();
        KeyPair ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        X509Certificate certificate = X509AuthorityFactory.selfSignedRoot(EC_KEY,
                X509AuthorityFactoryTest.TD, Duration.ofDays(1), X509AuthorityFactoryTest.NOW);

        return Stream.of(
                Arguments.of("empty", new byte[0], EMPTY),
                Arguments.of("too large", new byte[Csr.MAX_SIZE + 1], TOO_LARGE),
                Arguments.of("garbage text", "not a csr".getBytes(StandardCharsets.US_ASCII), MALFORMED),
                Arguments.of("single byte", new byte[] {0x30}, MALFORMED),
                Arguments.of("zeroes", new byte[64], MALFORMED),
                Arguments.of("truncated by one byte", Arrays.copyOf(valid, valid.length - 1), MALFORMED),
                Arguments.of("truncated to half", Arrays.copyOf(valid, valid.length / 2), MALFORMED),
                Arguments.of("trailing byte", Arrays.copyOf(valid, valid.length + 1), MALFORMED),
                Arguments.of("BER indefinite length", toIndefiniteLength(valid), MALFORMED),
                Arguments.of("PEM instead of DER", Pem.encodeCsr(valid).getBytes(StandardCharsets.US_ASCII), MALFORMED),
                Arguments.of("a certificate", certificate.getEncoded(), MALFORMED),
                Arguments.of("empty sequence", new byte[] {0x30, 0x00}, MALFORMED),
                Arguments.of("flipped signature bit", flipBit(valid, valid.length - 1, 0), SIGNATURE_INVALID),
                Arguments.of("tampered URI SAN", replace(valid, "workload", "workloaX"), SIGNATURE_INVALID),
                Arguments.of("signed by another key",
                        csr(EC_KEY.getPublic(), KeyType.EC_P256.generate().getPrivate(), "SHA256withECDSA",
                                List.of(), List.of()), SIGNATURE_INVALID),
                Arguments.of("RSA key, ECDSA signature",
                        csr(RSA_KEY.getPublic(), EC_KEY.getPrivate(), "SHA256withECDSA", List.of(), List.of()),
                        SIGNATURE_INVALID),
                Arguments.of("SHA-1 with RSA",
                        csr(RSA_KEY.getPublic(), RSA_KEY.getPrivate(), "SHA1withRSA", List.of(), List.of()),
                        UNSUPPORTED_SIGNATURE_ALGORITHM),
                Arguments.of("SHA-1 with ECDSA",
                        csr(EC_KEY.getPublic(), EC_KEY.getPrivate(), "SHA1withECDSA", List.of(), List.of()),
                        UNSUPPORTED_SIGNATURE_ALGORITHM),
                Arguments.of("EC P-521 key",
                        csr(p521.getPublic(), p521.getPrivate(), "SHA512withECDSA", List.of(), List.of()), UNSUPPORTED_KEY),
                Arguments.of("RSA 1024 key",
                        csr(rsa1024.getPublic(), rsa1024.getPrivate(), "SHA256withRSA", List.of(), List.of()),
                        UNSUPPORTED_KEY),
                Arguments.of("Ed25519 key",
                        csr(ed25519.getPublic(), ed25519.getPrivate(), "Ed25519", List.of(), List.of()), UNSUPPORTED_KEY),
                Arguments.of("EC point off the curve", offCurveKeyCsr(), INVALID_KEY),
                Arguments.of("two extension requests", twoExtensionRequests(), MALFORMED_EXTENSIONS));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hostileCsrs")
    void rejectsHostileCsrsWithThePreciseReason(String description, byte[] der, String expectedMessage) {
        assertThatThrownBy(() -> Csr.parse(der))
                .isInstanceOf(InvalidCsrException.class)
                .hasMessage(expectedMessage);
    }

    @Test
    void requireSpiffeIdRejectsOtherAndMultipleIdentities() throws Exception {
        Csr other = Csr.parse(ecCsr(List.of("spiffe://example.org/admin")));
        Csr two = Csr.parse(ecCsr(List.of(WORKLOAD.toString(), "spiffe://example.org/admin")));
        Csr notSpiffe = Csr.parse(ecCsr(List.of("https://example.org/workload")));
        Csr otherCase = Csr.parse(ecCsr(List.of("SPIFFE://example.org/workload")));

        assertThatThrownBy(() -> other.requireSpiffeId(WORKLOAD)).hasMessage(URI_SAN_MISMATCH);
        assertThatThrownBy(() -> two.requireSpiffeId(WORKLOAD)).hasMessage(MULTIPLE_URI_SANS);
        assertThatThrownBy(() -> notSpiffe.requireSpiffeId(WORKLOAD)).hasMessage(URI_SAN_MISMATCH);
        assertThatThrownBy(() -> otherCase.requireSpiffeId(WORKLOAD)).hasMessage(URI_SAN_MISMATCH);
        assertThat(two.uriSans()).containsExactly(WORKLOAD.toString(), "spiffe://example.org/admin");
    }

    @Test
    void keepsAPrivateCopyOfTheEncoding() throws Exception {
        byte[] der = ecCsr(List.of());
        Csr csr = Csr.parse(der);
        der[der.length - 1] ^= 1;
        byte[] encoded = csr.encoded();
        encoded[0] = 0;
        assertThat(Csr.parse(csr.encoded()).publicKey()).isEqualTo(EC_KEY.getPublic());
    }

    static byte[] flipBit(byte[] der, int index, int bit) {
        byte[] copy = der.clone();
        copy[index] ^= (byte) (1 << bit);
        return copy;
    }

    static byte[] replace(byte[] der, String from, String to) {
        String latin1 = new String(der, StandardCharsets.ISO_8859_1);
        assertThat(latin1).contains(from);
        return latin1.replace(from, to).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Re-frames the outer SEQUENCE with BER indefinite length: same content, not DER. */
    static byte[] toIndefiniteLength(byte[] der) {
        int lengthOctets = (der[1] & 0x80) == 0 ? 0 : der[1] & 0x7f;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        out.write(0x80);
        out.write(der, 2 + lengthOctets, der.length - 2 - lengthOctets);
        out.write(0);
        out.write(0);
        return out.toByteArray();
    }

    /** A CSR, properly signed, whose P-256 public key point is not on the curve. */
    static byte[] offCurveKeyCsr() {
        try {
            byte[] spki = EC_KEY.getPublic().getEncoded();
            spki[spki.length - 1] ^= 1;
            PKCS10CertificationRequestBuilder builder = new PKCS10CertificationRequestBuilder(
                    new X500Name("O=Test"), SubjectPublicKeyInfo.getInstance(spki));
            return builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(EC_KEY.getPrivate())).getEncoded();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] twoExtensionRequests() {
        try {
            PKCS10CertificationRequestBuilder builder = new PKCS10CertificationRequestBuilder(
                    new X500Name("O=Test"), SubjectPublicKeyInfo.getInstance(EC_KEY.getPublic().getEncoded()));
            for (String uri : List.of("spiffe://example.org/a", "spiffe://example.org/b")) {
                ExtensionsGenerator extensions = new ExtensionsGenerator();
                extensions.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
                builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
            }
            return builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(EC_KEY.getPrivate())).getEncoded();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
