package io.synid.core.x509;

import static io.synid.core.x509.InvalidPemException.BAD_BASE64;
import static io.synid.core.x509.InvalidPemException.EMPTY_BLOCK;
import static io.synid.core.x509.InvalidPemException.ENCRYPTED_KEY;
import static io.synid.core.x509.InvalidPemException.EXPECTED_CERTIFICATE;
import static io.synid.core.x509.InvalidPemException.EXPECTED_CSR;
import static io.synid.core.x509.InvalidPemException.EXPECTED_PRIVATE_KEY;
import static io.synid.core.x509.InvalidPemException.EXPECTED_PUBLIC_KEY;
import static io.synid.core.x509.InvalidPemException.INVALID_CERTIFICATE;
import static io.synid.core.x509.InvalidPemException.INVALID_PRIVATE_KEY;
import static io.synid.core.x509.InvalidPemException.INVALID_PUBLIC_KEY;
import static io.synid.core.x509.InvalidPemException.MISMATCHED_END;
import static io.synid.core.x509.InvalidPemException.MULTIPLE_BLOCKS;
import static io.synid.core.x509.InvalidPemException.NO_BLOCK;
import static io.synid.core.x509.InvalidPemException.UNSUPPORTED_KEY_ALGORITHM;
import static io.synid.core.x509.InvalidPemException.UNTERMINATED_BLOCK;
import static io.synid.core.x509.X509AuthorityFactoryTest.NOW;
import static io.synid.core.x509.X509AuthorityFactoryTest.TD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class PemTest {

    static final SigningAuthority CA =
            X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256, TD, Duration.ofDays(1), NOW);

    @Test
    void certificatesRoundTripSinglyAndAsChains() throws Exception {
        SigningAuthority intermediate = X509AuthorityFactory.newIntermediateAuthority(CA, KeyType.EC_P256, TD,
                Duration.ofHours(1), NOW);
        String single = Pem.encodeCertificate(CA.certificate());
        String chain = Pem.encodeCertificates(intermediate.chain());

        assertThat(single).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
        assertThat(single.lines().filter(l -> !l.startsWith("-----")).allMatch(l -> l.length() <= 64)).isTrue();
        assertThat(Pem.decodeCertificate(single)).isEqualTo(CA.certificate());
        assertThat(Pem.decodeCertificates(chain)).containsExactlyElementsOf(intermediate.chain());
        assertThat(Pem.decodeCertificates("Bag Attributes: x\r\n" + chain.replace("\n", "\r\n") + "trailing text\n"))
                .containsExactlyElementsOf(intermediate.chain());
        assertThatThrownBy(() -> Pem.decodeCertificate(chain)).hasMessage(MULTIPLE_BLOCKS);
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void keysRoundTripInEveryFormat(KeyType type) throws Exception {
        KeyPair keyPair = type.generate();
        String pkcs8 = Pem.encodePrivateKey(keyPair.getPrivate());
        assertThat(pkcs8).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(Pem.decodePrivateKey(pkcs8)).isEqualTo(keyPair.getPrivate());
        assertThat(Pem.decodePublicKey(Pem.encodePublicKey(keyPair.getPublic()))).isEqualTo(keyPair.getPublic());

        // The OpenSSL "traditional" forms: SEC 1 for EC, PKCS#1 for RSA.
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(keyPair.getPrivate().getEncoded());
        byte[] traditional = type == KeyType.RSA_2048
                ? info.parsePrivateKey().toASN1Primitive().getEncoded()
                : new ECPrivateKey(((java.security.interfaces.ECPrivateKey) keyPair.getPrivate()).getParams().getOrder().bitLength(),
                        ((java.security.interfaces.ECPrivateKey) keyPair.getPrivate()).getS(),
                        info.getPrivateKeyAlgorithm().getParameters()).getEncoded();
        String label = type == KeyType.RSA_2048 ? "RSA PRIVATE KEY" : "EC PRIVATE KEY";
        String pem = "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(traditional) + "\n-----END " + label + "-----\n";
        assertSignsFor(Pem.decodePrivateKey(pem), keyPair, type);
    }

    @Test
    void csrsRoundTrip() throws Exception {
        byte[] der = Csr.create(KeyType.EC_P256.generate());
        assertThat(Pem.decodeCsr(Pem.encodeCsr(der))).isEqualTo(der);
        String legacy = Pem.encodeCsr(der).replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST");
        assertThat(Pem.decodeCsr(legacy)).isEqualTo(der);
    }

    static Stream<Arguments> malformedCertificatePem() {
        String valid = Pem.encodeCertificate(CA.certificate());
        String body = valid.lines().filter(l -> !l.startsWith("-----")).reduce("", (a, b) -> a + b + "\n");
        return Stream.of(
                Arguments.of("empty", "", NO_BLOCK),
                Arguments.of("plain text", "hello", NO_BLOCK),
                Arguments.of("raw base64", body, NO_BLOCK),
                Arguments.of("no END line", valid.replace("-----END CERTIFICATE-----\n", ""), UNTERMINATED_BLOCK),
                Arguments.of("nested BEGIN", "-----BEGIN CERTIFICATE-----\n" + valid, UNTERMINATED_BLOCK),
                Arguments.of("mismatched END", valid.replace("END CERTIFICATE", "END CERT"), MISMATCHED_END),
                Arguments.of("bad base64 character", valid.replaceFirst("\n.", "\n*"), BAD_BASE64),
                Arguments.of("space inside base64", valid.replaceFirst("\n(.{10})", "\n$1 "), BAD_BASE64),
                Arguments.of("header line", valid.replace("-----\n", "-----\nComment: x\n"), BAD_BASE64),
                Arguments.of("empty block", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", EMPTY_BLOCK),
                Arguments.of("not DER", "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n",
                        INVALID_CERTIFICATE),
                Arguments.of("truncated certificate", truncate(valid), INVALID_CERTIFICATE),
                Arguments.of("a key instead", Pem.encodePrivateKey(CA.keyPair().getPrivate()), EXPECTED_CERTIFICATE),
                Arguments.of("certificate then key",
                        valid + Pem.encodePublicKey(CA.keyPair().getPublic()), EXPECTED_CERTIFICATE));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("malformedCertificatePem")
    void rejectsMalformedCertificatePem(String description, String pem, String expectedMessage) {
        assertThatThrownBy(() -> Pem.decodeCertificates(pem))
                .isInstanceOf(InvalidPemException.class)
                .hasMessage(expectedMessage);
    }

    @Test
    void rejectsMalformedKeyPem() throws Exception {
        String certificate = Pem.encodeCertificate(CA.certificate());
        KeyPair ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String encrypted = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n"
                + "aGVsbG8=\n-----END RSA PRIVATE KEY-----\n";

        assertThatThrownBy(() -> Pem.decodePrivateKey(certificate)).hasMessage(EXPECTED_PRIVATE_KEY);
        assertThatThrownBy(() -> Pem.decodePrivateKey(encrypted)).hasMessage(ENCRYPTED_KEY);
        assertThatThrownBy(() -> Pem.decodePrivateKey(
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\naGVsbG8=\n-----END ENCRYPTED PRIVATE KEY-----\n"))
                .hasMessage(ENCRYPTED_KEY);
        assertThatThrownBy(() -> Pem.decodePrivateKey("-----BEGIN PRIVATE KEY-----\naGVsbG8=\n-----END PRIVATE KEY-----\n"))
                .hasMessage(INVALID_PRIVATE_KEY);
        assertThatThrownBy(() -> Pem.decodePrivateKey(
                "-----BEGIN EC PRIVATE KEY-----\naGVsbG8=\n-----END EC PRIVATE KEY-----\n"))
                .hasMessage(INVALID_PRIVATE_KEY);
        assertThatThrownBy(() -> Pem.decodePrivateKey(Pem.encodePrivateKey(ed25519.getPrivate())))
                .hasMessage(UNSUPPORTED_KEY_ALGORITHM);
        assertThatThrownBy(() -> Pem.decodePrivateKey(Pem.encodePrivateKey(CA.keyPair().getPrivate()) + certificate))
                .hasMessage(MULTIPLE_BLOCKS);
        assertThatThrownBy(() -> Pem.decodePublicKey(certificate)).hasMessage(EXPECTED_PUBLIC_KEY);
        assertThatThrownBy(() -> Pem.decodePublicKey("-----BEGIN PUBLIC KEY-----\naGVsbG8=\n-----END PUBLIC KEY-----\n"))
                .hasMessage(INVALID_PUBLIC_KEY);
        assertThatThrownBy(() -> Pem.decodePublicKey(Pem.encodePublicKey(ed25519.getPublic())))
                .hasMessage(UNSUPPORTED_KEY_ALGORITHM);
        assertThatThrownBy(() -> Pem.decodeCsr(certificate)).hasMessage(EXPECTED_CSR);
    }

    @Test
    void certificateFromDerRejectsTrailingBytesAndBase64() throws Exception {
        byte[] der = CA.certificate().getEncoded();
        assertThat(Pem.certificateFromDer(der)).isEqualTo(CA.certificate());
        byte[] trailing = Arrays.copyOf(der, der.length + 1);
        assertThatThrownBy(() -> Pem.certificateFromDer(trailing)).hasMessage(INVALID_CERTIFICATE);
        byte[] pem = Pem.encodeCertificate(CA.certificate()).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> Pem.certificateFromDer(pem)).hasMessage(INVALID_CERTIFICATE);
    }

    @Test
    void writesPrivateKeysOwnerOnlyAndAtomically(@TempDir Path directory) throws Exception {
        Path keyFile = directory.resolve("server.key");
        KeyPair first = KeyType.EC_P256.generate();
        KeyPair second = KeyType.RSA_2048.generate();

        Pem.writePrivateKey(keyFile, first.getPrivate());
        assertThat(Files.getPosixFilePermissions(keyFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Pem.decodePrivateKey(Files.readString(keyFile))).isEqualTo(first.getPrivate());

        // Replacing an existing (even world-readable) file yields the new key with owner-only access.
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-rw-rw-"));
        Pem.writePrivateKey(keyFile, second.getPrivate());
        assertThat(Files.getPosixFilePermissions(keyFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Pem.decodePrivateKey(Files.readString(keyFile))).isEqualTo(second.getPrivate());

        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files).containsExactly(keyFile);
        }
    }

    @Test
    void failedWritesLeaveNoTemporaryFileAndKeepTheTarget(@TempDir Path directory) throws Exception {
        Path keyFile = directory.resolve("server.key");
        KeyPair keyPair = KeyType.EC_P256.generate();
        Pem.writePrivateKey(keyFile, keyPair.getPrivate());
        Path asDirectory = directory.resolve("occupied");
        Files.createDirectory(asDirectory);
        Files.writeString(asDirectory.resolve("child"), "x");

        // Renaming a file over a non-empty directory fails: nothing may be left behind.
        assertThatThrownBy(() -> Pem.writePrivateKey(asDirectory, keyPair.getPrivate()))
                .isInstanceOf(IOException.class);
        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files).containsExactlyInAnyOrder(keyFile, asDirectory);
        }
        assertThat(Pem.decodePrivateKey(Files.readString(keyFile))).isEqualTo(keyPair.getPrivate());
    }

    @Test
    void writesCertificatesWorldReadable(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("bundle.pem");
        Pem.writeCertificates(file, List.<X509Certificate>of(CA.certificate()));
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(Pem.decodeCertificates(Files.readString(file))).containsExactly(CA.certificate());
    }

    private static void assertSignsFor(PrivateKey decoded, KeyPair keyPair, KeyType type) throws Exception {
        Signature signer = Signature.getInstance(type.x509SignatureAlgorithm());
        signer.initSign(decoded);
        signer.update(new byte[] {42});
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(type.x509SignatureAlgorithm());
        verifier.initVerify(keyPair.getPublic());
        verifier.update(new byte[] {42});
        assertThat(verifier.verify(signature)).as("the decoded key is the original key").isTrue();
    }

    private static String truncate(String pem) {
        String[] lines = pem.split("\n");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            if (i == 2 || i == 3) {
                continue;
            }
            out.append(lines[i]).append('\n');
        }
        return out.toString();
    }
}
