package io.synid.core.x509;

import io.synid.core.spiffeid.SpiffeId;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECPoint;
import java.security.spec.EllipticCurve;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A verified PKCS#10 certificate signing request: proof that the sender holds the private key of
 * {@link #publicKey()}.
 *
 * <p>{@link #parse} accepts only a DER-encoded request of at most {@value #MAX_SIZE} bytes, with
 * no trailing data, whose key is EC P-256, EC P-384 (a point on the curve) or RSA of 2048 to 8192
 * bits (odd public exponent of at least 3), whose signature
 * algorithm is ECDSA or RSA PKCS#1 v1.5 with SHA-256/384/512, and whose signature verifies with
 * its own key. Everything else in the request (subject, other attributes) is ignored except the
 * SANs, which are exposed so callers can check them with {@link #requireSpiffeId}.
 */
public final class Csr {

    /** Largest accepted encoding, in bytes. A CSR with an 8192-bit RSA key and SANs is far smaller. */
    public static final int MAX_SIZE = 16 * 1024;

    private static final Set<ASN1ObjectIdentifier> EC_SIGNATURE_ALGORITHMS = Set.of(
            X9ObjectIdentifiers.ecdsa_with_SHA256, X9ObjectIdentifiers.ecdsa_with_SHA384,
            X9ObjectIdentifiers.ecdsa_with_SHA512);
    private static final Set<ASN1ObjectIdentifier> RSA_SIGNATURE_ALGORITHMS = Set.of(
            PKCSObjectIdentifiers.sha256WithRSAEncryption, PKCSObjectIdentifiers.sha384WithRSAEncryption,
            PKCSObjectIdentifiers.sha512WithRSAEncryption);
    private static final Set<ASN1ObjectIdentifier> EC_CURVES = Set.of(
            SECObjectIdentifiers.secp256r1, SECObjectIdentifiers.secp384r1);
    private static final int MIN_RSA_BITS = 2048;
    private static final int MAX_RSA_BITS = 8192;

    private final byte[] der;
    private final PublicKey publicKey;
    private final List<String> uriSans;
    private final List<String> dnsSans;

    private Csr(byte[] der, PublicKey publicKey, List<String> uriSans, List<String> dnsSans) {
        this.der = der;
        this.publicKey = publicKey;
        this.uriSans = List.copyOf(uriSans);
        this.dnsSans = List.copyOf(dnsSans);
    }

    /**
     * Parses and verifies a DER-encoded CSR.
     *
     * @param der the untrusted bytes; not modified, copied
     * @return the verified CSR
     * @throws InvalidCsrException with one of the constants of {@link InvalidCsrException}
     */
    public static Csr parse(byte[] der) throws InvalidCsrException {
        Objects.requireNonNull(der, "der");
        if (der.length == 0) {
            throw new InvalidCsrException(InvalidCsrException.EMPTY);
        }
        if (der.length > MAX_SIZE) {
            throw new InvalidCsrException(InvalidCsrException.TOO_LARGE);
        }
        byte[] copy = der.clone();
        PKCS10CertificationRequest request = decode(copy);
        PublicKey publicKey = publicKey(request);
        verifySignature(request, publicKey);
        List<String> uris = new ArrayList<>();
        List<String> dnsNames = new ArrayList<>();
        readSubjectAlternativeNames(request, uris, dnsNames);
        return new Csr(copy, publicKey, uris, dnsNames);
    }

    // Bouncy Castle documents only IOException for malformed input, but hostile encodings also
    // surface as IllegalArgumentException, IllegalStateException, ClassCastException and others
    // while the structure is walked. Every access to the untrusted structure is therefore inside a
    // block that turns any runtime exception into the declared checked exception.
    private static PKCS10CertificationRequest decode(byte[] der) throws InvalidCsrException {
        try {
            ASN1Primitive primitive = ASN1Primitive.fromByteArray(der);
            if (!Arrays.equals(primitive.getEncoded(ASN1Encoding.DER), der)) {
                throw new InvalidCsrException(InvalidCsrException.MALFORMED);
            }
            PKCS10CertificationRequest request = new PKCS10CertificationRequest(CertificationRequest.getInstance(primitive));
            // Touch every field used later so structural errors surface here.
            request.getSubjectPublicKeyInfo().getAlgorithm();
            request.getSignatureAlgorithm().getAlgorithm();
            request.getSignature();
            request.getAttributes();
            return request;
        } catch (IOException | RuntimeException e) {
            throw new InvalidCsrException(InvalidCsrException.MALFORMED, e);
        }
    }

    private static PublicKey publicKey(PKCS10CertificationRequest request) throws InvalidCsrException {
        SubjectPublicKeyInfo info = request.getSubjectPublicKeyInfo();
        AlgorithmIdentifier algorithm = info.getAlgorithm();
        boolean ec = X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm.getAlgorithm());
        boolean rsa = PKCSObjectIdentifiers.rsaEncryption.equals(algorithm.getAlgorithm());
        if (ec && !EC_CURVES.contains(algorithm.getParameters())) {
            throw new InvalidCsrException(InvalidCsrException.UNSUPPORTED_KEY);
        }
        if (!ec && !rsa) {
            throw new InvalidCsrException(InvalidCsrException.UNSUPPORTED_KEY);
        }
        PublicKey key;
        try {
            key = new JcaPKCS10CertificationRequest(request).getPublicKey();
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new InvalidCsrException(InvalidCsrException.INVALID_KEY, e);
        }
        if (key instanceof ECPublicKey && ec) {
            if (!isOnCurve((ECPublicKey) key)) {
                throw new InvalidCsrException(InvalidCsrException.INVALID_KEY);
            }
            return key;
        }
        if (key instanceof RSAPublicKey && rsa) {
            RSAPublicKey rsaKey = (RSAPublicKey) key;
            int bits = rsaKey.getModulus().bitLength();
            BigInteger exponent = rsaKey.getPublicExponent();
            if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
                throw new InvalidCsrException(InvalidCsrException.UNSUPPORTED_KEY);
            }
            if (exponent.compareTo(BigInteger.valueOf(3)) < 0 || !exponent.testBit(0)) {
                throw new InvalidCsrException(InvalidCsrException.INVALID_KEY);
            }
            return key;
        }
        throw new InvalidCsrException(InvalidCsrException.UNSUPPORTED_KEY);
    }

    private static boolean isOnCurve(ECPublicKey key) {
        EllipticCurve curve = key.getParams().getCurve();
        if (!(curve.getField() instanceof ECFieldFp)) {
            return false;
        }
        BigInteger p = ((ECFieldFp) curve.getField()).getP();
        ECPoint w = key.getW();
        if (ECPoint.POINT_INFINITY.equals(w)) {
            return false;
        }
        BigInteger x = w.getAffineX();
        BigInteger y = w.getAffineY();
        if (x.signum() < 0 || x.compareTo(p) >= 0 || y.signum() < 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger left = y.multiply(y).mod(p);
        BigInteger right = x.pow(3).add(curve.getA().multiply(x)).add(curve.getB()).mod(p);
        return left.equals(right);
    }

    private static void verifySignature(PKCS10CertificationRequest request, PublicKey key) throws InvalidCsrException {
        ASN1ObjectIdentifier algorithm = request.getSignatureAlgorithm().getAlgorithm();
        boolean ecAlgorithm = EC_SIGNATURE_ALGORITHMS.contains(algorithm);
        if (!ecAlgorithm && !RSA_SIGNATURE_ALGORITHMS.contains(algorithm)) {
            throw new InvalidCsrException(InvalidCsrException.UNSUPPORTED_SIGNATURE_ALGORITHM);
        }
        if (ecAlgorithm != (key instanceof ECPublicKey)) {
            throw new InvalidCsrException(InvalidCsrException.SIGNATURE_INVALID);
        }
        boolean valid;
        try {
            JcaContentVerifierProviderBuilder verifier = new JcaContentVerifierProviderBuilder();
            EcdsaProvider.forKey(key).ifPresent(verifier::setProvider);
            valid = request.isSignatureValid(verifier.build(key));
        } catch (OperatorCreationException | PKCSException | RuntimeException e) {
            throw new InvalidCsrException(InvalidCsrException.SIGNATURE_INVALID, e);
        }
        if (!valid) {
            throw new InvalidCsrException(InvalidCsrException.SIGNATURE_INVALID);
        }
    }

    private static void readSubjectAlternativeNames(PKCS10CertificationRequest request, List<String> uris,
            List<String> dnsNames) throws InvalidCsrException {
        try {
            Attribute[] attributes = request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest);
            if (attributes.length == 0) {
                return;
            }
            if (attributes.length > 1 || attributes[0].getAttrValues().size() != 1) {
                throw new InvalidCsrException(InvalidCsrException.MALFORMED_EXTENSIONS);
            }
            Extensions extensions = Extensions.getInstance(attributes[0].getAttrValues().getObjectAt(0));
            Extension san = extensions.getExtension(Extension.subjectAlternativeName);
            if (san == null) {
                return;
            }
            for (GeneralName name : GeneralNames.getInstance(san.getParsedValue()).getNames()) {
                if (name.getTagNo() == GeneralName.uniformResourceIdentifier) {
                    uris.add(((ASN1String) name.getName()).getString());
                } else if (name.getTagNo() == GeneralName.dNSName) {
                    dnsNames.add(((ASN1String) name.getName()).getString());
                }
            }
        } catch (RuntimeException e) {
            throw new InvalidCsrException(InvalidCsrException.MALFORMED_EXTENSIONS, e);
        }
    }

    /**
     * Builds a DER-encoded CSR for a key pair, with an empty subject and no extensions: what
     * SPIRE's SVID API needs (the identity comes from the registration entry).
     *
     * @throws IllegalArgumentException when the key type is unsupported
     */
    public static byte[] create(KeyPair keyPair) {
        return create(keyPair, newBuilder(keyPair));
    }

    /**
     * Builds a DER-encoded CSR for a key pair with the SPIFFE ID as its only URI SAN.
     *
     * @throws IllegalArgumentException when the key type is unsupported
     */
    public static byte[] create(KeyPair keyPair, SpiffeId id) {
        Objects.requireNonNull(id, "id");
        PKCS10CertificationRequestBuilder builder = newBuilder(keyPair);
        try {
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                    new GeneralName(GeneralName.uniformResourceIdentifier, new DERIA5String(id.toString()))));
            builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the SAN extension", e);
        }
        return create(keyPair, builder);
    }

    private static byte[] create(KeyPair keyPair, PKCS10CertificationRequestBuilder builder) {
        try {
            return builder.build(CertificateTemplate.contentSigner(keyPair.getPrivate())).getEncoded();
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot sign the CSR", e);
        }
    }

    private static PKCS10CertificationRequestBuilder newBuilder(KeyPair keyPair) {
        Objects.requireNonNull(keyPair, "keyPair");
        return new JcaPKCS10CertificationRequestBuilder(new X500Name(new RDN[0]), keyPair.getPublic());
    }

    /** The requester's public key, whose possession the signature proved. */
    public PublicKey publicKey() {
        return publicKey;
    }

    /** The URI SANs, in order; usually empty or one SPIFFE ID. */
    public List<String> uriSans() {
        return uriSans;
    }

    /** The DNS SANs, in order. */
    public List<String> dnsSans() {
        return dnsSans;
    }

    /** A copy of the DER encoding. */
    public byte[] encoded() {
        return der.clone();
    }

    /**
     * Checks that this CSR does not ask for an identity other than {@code expected}: it has at most
     * one URI SAN, and that SAN, if present, is exactly {@code expected}. A CSR without URI SAN is
     * accepted, because the identity is taken from the registration entry (as SPIRE's
     * BatchNewX509SVID does).
     *
     * @throws InvalidCsrException {@link InvalidCsrException#MULTIPLE_URI_SANS} or
     *     {@link InvalidCsrException#URI_SAN_MISMATCH}
     */
    public void requireSpiffeId(SpiffeId expected) throws InvalidCsrException {
        Objects.requireNonNull(expected, "expected");
        if (uriSans.size() > 1) {
            throw new InvalidCsrException(InvalidCsrException.MULTIPLE_URI_SANS);
        }
        if (uriSans.size() == 1 && !uriSans.get(0).equals(expected.toString())) {
            throw new InvalidCsrException(InvalidCsrException.URI_SAN_MISMATCH);
        }
    }
}
