package io.synid.core.x509;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.bouncycastle.asn1.ASN1Object;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * PEM (RFC 7468) encoding and decoding of certificates, certificate chains, private keys, public
 * keys and CSRs, and safe writing of key files.
 *
 * <p>Encoding writes 64-character base64 lines, {@code \n} line endings and a final newline.
 * Decoding ignores text outside PEM blocks (as RFC 7468 allows), requires strict base64 inside
 * them, and reports failures as {@link InvalidPemException} with one of its constants. Private keys
 * are written as unencrypted PKCS#8 ({@code PRIVATE KEY}); decoding also accepts SEC 1
 * ({@code EC PRIVATE KEY}) and PKCS#1 ({@code RSA PRIVATE KEY}) keys as produced by OpenSSL.
 */
public final class Pem {

    private static final String CERTIFICATE = "CERTIFICATE";
    private static final String PRIVATE_KEY = "PRIVATE KEY";
    private static final String EC_PRIVATE_KEY = "EC PRIVATE KEY";
    private static final String RSA_PRIVATE_KEY = "RSA PRIVATE KEY";
    private static final String ENCRYPTED_PRIVATE_KEY = "ENCRYPTED PRIVATE KEY";
    private static final String PUBLIC_KEY = "PUBLIC KEY";
    private static final String CERTIFICATE_REQUEST = "CERTIFICATE REQUEST";
    private static final String NEW_CERTIFICATE_REQUEST = "NEW CERTIFICATE REQUEST";
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";
    private static final int LINE_LENGTH = 64;

    private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private Pem() {
    }

    /** One decoded block: its label and its DER content. */
    private record Block(String label, byte[] der) {
    }

    // ---------------------------------------------------------------------------------------------
    // Certificates

    /** Encodes one certificate as a {@code CERTIFICATE} block. */
    public static String encodeCertificate(X509Certificate certificate) {
        try {
            return encode(CERTIFICATE, certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("the certificate cannot be encoded", e);
        }
    }

    /** Encodes certificates as consecutive {@code CERTIFICATE} blocks, in order. */
    public static String encodeCertificates(List<X509Certificate> certificates) {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            pem.append(encodeCertificate(certificate));
        }
        return pem.toString();
    }

    /**
     * Decodes exactly one {@code CERTIFICATE} block.
     *
     * @throws InvalidPemException when there is not exactly one block, it is not a certificate, or
     *     it does not decode
     */
    public static X509Certificate decodeCertificate(String pem) throws InvalidPemException {
        List<X509Certificate> certificates = decodeCertificates(pem);
        if (certificates.size() != 1) {
            throw new InvalidPemException(InvalidPemException.MULTIPLE_BLOCKS);
        }
        return certificates.get(0);
    }

    /**
     * Decodes one or more {@code CERTIFICATE} blocks, in order (a chain or a bundle).
     *
     * @throws InvalidPemException when there is no block, a block is not a certificate, or a
     *     certificate does not decode
     */
    public static List<X509Certificate> decodeCertificates(String pem) throws InvalidPemException {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Block block : blocks(pem)) {
            if (!block.label().equals(CERTIFICATE)) {
                throw new InvalidPemException(InvalidPemException.EXPECTED_CERTIFICATE);
            }
            certificates.add(certificateFromDer(block.der()));
        }
        return List.copyOf(certificates);
    }

    /**
     * Decodes one DER certificate, rejecting trailing bytes.
     *
     * @throws InvalidPemException {@link InvalidPemException#INVALID_CERTIFICATE}
     */
    public static X509Certificate certificateFromDer(byte[] der) throws InvalidPemException {
        try {
            Certificate certificate = CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            // The factory stops after the first certificate and also accepts base64 input: insist on
            // exactly the given DER bytes.
            if (certificate instanceof X509Certificate && Arrays.equals(certificate.getEncoded(), der)) {
                return (X509Certificate) certificate;
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new InvalidPemException(InvalidPemException.INVALID_CERTIFICATE, e);
        }
        throw new InvalidPemException(InvalidPemException.INVALID_CERTIFICATE);
    }

    // ---------------------------------------------------------------------------------------------
    // Keys

    /**
     * Encodes a private key as an unencrypted PKCS#8 {@code PRIVATE KEY} block.
     *
     * @throws IllegalArgumentException when the key has no PKCS#8 encoding
     */
    public static String encodePrivateKey(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat()) || key.getEncoded() == null) {
            throw new IllegalArgumentException("the private key has no PKCS#8 encoding");
        }
        return encode(PRIVATE_KEY, key.getEncoded());
    }

    /**
     * Decodes exactly one EC or RSA private key block ({@code PRIVATE KEY}, {@code EC PRIVATE KEY}
     * or {@code RSA PRIVATE KEY}).
     *
     * @throws InvalidPemException when there is not exactly one block, it is encrypted or of another
     *     type, or the key does not decode
     */
    public static PrivateKey decodePrivateKey(String pem) throws InvalidPemException {
        Block block = singleBlock(pem);
        switch (block.label()) {
            case PRIVATE_KEY:
                return privateKeyFromPkcs8(block.der());
            case EC_PRIVATE_KEY:
                return privateKeyFromPkcs8(ecToPkcs8(block.der()));
            case RSA_PRIVATE_KEY:
                return privateKeyFromPkcs8(rsaToPkcs8(block.der()));
            case ENCRYPTED_PRIVATE_KEY:
                throw new InvalidPemException(InvalidPemException.ENCRYPTED_KEY);
            default:
                throw new InvalidPemException(InvalidPemException.EXPECTED_PRIVATE_KEY);
        }
    }

    /** Encodes a public key as a {@code PUBLIC KEY} (SubjectPublicKeyInfo) block. */
    public static String encodePublicKey(PublicKey key) {
        if (!"X.509".equals(key.getFormat()) || key.getEncoded() == null) {
            throw new IllegalArgumentException("the public key has no SubjectPublicKeyInfo encoding");
        }
        return encode(PUBLIC_KEY, key.getEncoded());
    }

    /**
     * Decodes exactly one EC or RSA {@code PUBLIC KEY} block.
     *
     * @throws InvalidPemException when there is not exactly one block, it is of another type, or the
     *     key does not decode
     */
    public static PublicKey decodePublicKey(String pem) throws InvalidPemException {
        Block block = singleBlock(pem);
        if (!block.label().equals(PUBLIC_KEY)) {
            throw new InvalidPemException(InvalidPemException.EXPECTED_PUBLIC_KEY);
        }
        String algorithm;
        try {
            algorithm = keyAlgorithm(SubjectPublicKeyInfo.getInstance(ASN1Primitive.fromByteArray(block.der()))
                    .getAlgorithm().getAlgorithm());
        } catch (IOException | RuntimeException e) {
            throw new InvalidPemException(InvalidPemException.INVALID_PUBLIC_KEY, e);
        }
        try {
            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(block.der()));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new InvalidPemException(InvalidPemException.INVALID_PUBLIC_KEY, e);
        }
    }

    private static PrivateKey privateKeyFromPkcs8(byte[] der) throws InvalidPemException {
        String algorithm;
        try {
            algorithm = keyAlgorithm(PrivateKeyInfo.getInstance(ASN1Primitive.fromByteArray(der))
                    .getPrivateKeyAlgorithm().getAlgorithm());
        } catch (IOException | RuntimeException e) {
            throw new InvalidPemException(InvalidPemException.INVALID_PRIVATE_KEY, e);
        }
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new InvalidPemException(InvalidPemException.INVALID_PRIVATE_KEY, e);
        }
    }

    private static String keyAlgorithm(ASN1ObjectIdentifier oid) throws InvalidPemException {
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(oid)) {
            return "EC";
        }
        if (PKCSObjectIdentifiers.rsaEncryption.equals(oid)) {
            return "RSA";
        }
        throw new InvalidPemException(InvalidPemException.UNSUPPORTED_KEY_ALGORITHM);
    }

    private static byte[] ecToPkcs8(byte[] sec1) throws InvalidPemException {
        try {
            ECPrivateKey key = ECPrivateKey.getInstance(ASN1Primitive.fromByteArray(sec1));
            ASN1Object curve = key.getParametersObject();
            if (!(curve instanceof ASN1ObjectIdentifier)) {
                throw new InvalidPemException(InvalidPemException.INVALID_PRIVATE_KEY);
            }
            return new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, curve), key).getEncoded();
        } catch (IOException | RuntimeException e) {
            throw new InvalidPemException(InvalidPemException.INVALID_PRIVATE_KEY, e);
        }
    }

    private static byte[] rsaToPkcs8(byte[] pkcs1) throws InvalidPemException {
        try {
            RSAPrivateKey key = RSAPrivateKey.getInstance(ASN1Primitive.fromByteArray(pkcs1));
            return new PrivateKeyInfo(new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE), key)
                    .getEncoded();
        } catch (IOException | RuntimeException e) {
            throw new InvalidPemException(InvalidPemException.INVALID_PRIVATE_KEY, e);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // CSRs

    /** Encodes a DER CSR as a {@code CERTIFICATE REQUEST} block. */
    public static String encodeCsr(byte[] der) {
        return encode(CERTIFICATE_REQUEST, der);
    }

    /**
     * Decodes exactly one {@code CERTIFICATE REQUEST} (or legacy {@code NEW CERTIFICATE REQUEST})
     * block to its DER bytes; verify them with {@link Csr#parse}.
     *
     * @throws InvalidPemException when there is not exactly one block or it is of another type
     */
    public static byte[] decodeCsr(String pem) throws InvalidPemException {
        Block block = singleBlock(pem);
        if (!block.label().equals(CERTIFICATE_REQUEST) && !block.label().equals(NEW_CERTIFICATE_REQUEST)) {
            throw new InvalidPemException(InvalidPemException.EXPECTED_CSR);
        }
        return block.der();
    }

    // ---------------------------------------------------------------------------------------------
    // Files

    /**
     * Writes a private key as PKCS#8 PEM so that the file is never readable by others and never
     * seen half-written: the PEM goes to a temporary file created in the same directory with
     * permissions {@code rw-------}, is forced to disk, and is then renamed over {@code target}
     * atomically; the directory is forced to disk afterwards. On failure the temporary file is
     * removed and {@code target} is left as it was.
     *
     * @throws IOException when the file system fails or does not support POSIX permissions or
     *     atomic renames
     */
    public static void writePrivateKey(Path target, PrivateKey key) throws IOException {
        writeAtomically(target, encodePrivateKey(key).getBytes(StandardCharsets.US_ASCII), OWNER_READ_WRITE);
    }

    /**
     * Writes certificates as PEM (permissions {@code rw-r--r--}) with the same atomic replacement
     * as {@link #writePrivateKey}.
     */
    public static void writeCertificates(Path target, List<X509Certificate> certificates) throws IOException {
        writeAtomically(target, encodeCertificates(certificates).getBytes(StandardCharsets.US_ASCII), WORLD_READABLE);
    }

    /**
     * Writes a private key followed by its certificate chain into one PEM file (permissions
     * {@code rw-------}) with the same atomic replacement as {@link #writePrivateKey}, so a reader
     * never sees a key from one write and certificates from another.
     */
    public static void writeKeyAndCertificates(Path target, PrivateKey key, List<X509Certificate> chain)
            throws IOException {
        writeAtomically(target, (encodePrivateKey(key) + encodeCertificates(chain))
                .getBytes(StandardCharsets.US_ASCII), OWNER_READ_WRITE);
    }

    private static void writeAtomically(Path target, byte[] content, Set<PosixFilePermission> permissions)
            throws IOException {
        Path absolute = target.toAbsolutePath();
        Path directory = absolute.getParent();
        Path temporary = Files.createTempFile(directory, "." + absolute.getFileName() + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(permissions));
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + absolute + " atomically", e);
            }
            moved = true;
            try (FileChannel directoryChannel = FileChannel.open(directory, StandardOpenOption.READ)) {
                directoryChannel.force(true);
            }
        } finally {
            if (!moved) {
                Files.deleteIfExists(temporary);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // PEM framing

    private static String encode(String label, byte[] der) {
        Objects.requireNonNull(der, "der");
        String base64 = Base64.getEncoder().encodeToString(der);
        StringBuilder pem = new StringBuilder(base64.length() + base64.length() / LINE_LENGTH + 64);
        pem.append(BEGIN).append(label).append(DASHES).append('\n');
        for (int i = 0; i < base64.length(); i += LINE_LENGTH) {
            pem.append(base64, i, Math.min(base64.length(), i + LINE_LENGTH)).append('\n');
        }
        return pem.append(END).append(label).append(DASHES).append('\n').toString();
    }

    private static Block singleBlock(String pem) throws InvalidPemException {
        List<Block> blocks = blocks(pem);
        if (blocks.size() != 1) {
            throw new InvalidPemException(InvalidPemException.MULTIPLE_BLOCKS);
        }
        return blocks.get(0);
    }

    /** Splits PEM text into blocks; never returns an empty list. */
    private static List<Block> blocks(String pem) throws InvalidPemException {
        Objects.requireNonNull(pem, "pem");
        List<Block> blocks = new ArrayList<>();
        String label = null;
        StringBuilder body = new StringBuilder();
        boolean encryptedHeader = false;
        for (String rawLine : pem.split("\r\n|\r|\n", -1)) {
            String line = rawLine.strip();
            if (label == null) {
                if (line.startsWith(BEGIN) && line.endsWith(DASHES) && line.length() >= BEGIN.length() + DASHES.length()) {
                    label = line.substring(BEGIN.length(), line.length() - DASHES.length());
                    body.setLength(0);
                    encryptedHeader = false;
                }
                continue;
            }
            if (line.startsWith(END)) {
                if (!line.equals(END + label + DASHES)) {
                    throw new InvalidPemException(InvalidPemException.MISMATCHED_END);
                }
                if (encryptedHeader) {
                    throw new InvalidPemException(InvalidPemException.ENCRYPTED_KEY);
                }
                blocks.add(new Block(label, decodeBody(body)));
                label = null;
                continue;
            }
            if (line.startsWith(BEGIN)) {
                throw new InvalidPemException(InvalidPemException.UNTERMINATED_BLOCK);
            }
            if (line.indexOf(':') >= 0) {
                // RFC 1421 headers only appear in legacy encrypted keys ("Proc-Type: 4,ENCRYPTED").
                if (line.startsWith("Proc-Type:") || line.startsWith("DEK-Info:")) {
                    encryptedHeader = true;
                    continue;
                }
                throw new InvalidPemException(InvalidPemException.BAD_BASE64);
            }
            body.append(line);
        }
        if (label != null) {
            throw new InvalidPemException(InvalidPemException.UNTERMINATED_BLOCK);
        }
        if (blocks.isEmpty()) {
            throw new InvalidPemException(InvalidPemException.NO_BLOCK);
        }
        return blocks;
    }

    private static byte[] decodeBody(CharSequence body) throws InvalidPemException {
        if (body.length() == 0) {
            throw new InvalidPemException(InvalidPemException.EMPTY_BLOCK);
        }
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == ' ' || c == '\t') {
                throw new InvalidPemException(InvalidPemException.BAD_BASE64);
            }
        }
        try {
            return Base64.getDecoder().decode(body.toString());
        } catch (IllegalArgumentException e) {
            throw new InvalidPemException(InvalidPemException.BAD_BASE64, e);
        }
    }
}
