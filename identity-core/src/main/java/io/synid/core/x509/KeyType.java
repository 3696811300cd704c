package io.synid.core.x509;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The key types Synid generates for CAs, JWT authorities and SVIDs, named as in SPIRE's
 * configuration ({@code ca_key_type}, {@code jwt_key_type}).
 */
public enum KeyType {
    /** ECDSA on NIST P-256 (secp256r1); signs with SHA-256. */
    EC_P256("ec-p256", "ES256", "SHA256withECDSA", "secp256r1"),
    /** ECDSA on NIST P-384 (secp384r1); signs with SHA-384. */
    EC_P384("ec-p384", "ES384", "SHA384withECDSA", "secp384r1"),
    /** RSA with a 2048-bit modulus; signs with SHA-256 and PKCS#1 v1.5 padding. */
    RSA_2048("rsa-2048", "RS256", "SHA256withRSA", null);

    private final String configName;
    private final String jwtAlgorithm;
    private final String x509SignatureAlgorithm;
    private final String curveName;

    KeyType(String configName, String jwtAlgorithm, String x509SignatureAlgorithm, String curveName) {
        this.configName = configName;
        this.jwtAlgorithm = jwtAlgorithm;
        this.x509SignatureAlgorithm = x509SignatureAlgorithm;
        this.curveName = curveName;
    }

    /** The configuration name, for example {@code ec-p256}. */
    public String configName() {
        return configName;
    }

    /**
     * Looks a key type up by its configuration name (exact, case-sensitive match).
     *
     * @throws IllegalArgumentException listing the valid names when {@code name} is not one of them
     */
    public static KeyType fromConfigName(String name) {
        for (KeyType type : values()) {
            if (type.configName.equals(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown key type \"" + name + "\"; valid key types are "
                + Arrays.stream(values()).map(KeyType::configName).collect(Collectors.joining(", ")));
    }

    /**
     * The key type of a public or private key, if it is exactly one of these types: an EC key on
     * P-256 or P-384, or an RSA key with a 2048-bit modulus.
     */
    public static Optional<KeyType> of(Key key) {
        if (key instanceof RSAKey) {
            return ((RSAKey) key).getModulus().bitLength() == 2048 ? Optional.of(RSA_2048) : Optional.empty();
        }
        if (key instanceof ECKey) {
            ECParameterSpec params = ((ECKey) key).getParams();
            for (KeyType type : values()) {
                if (type.curveName != null && sameCurve(params, type.curve())) {
                    return Optional.of(type);
                }
            }
        }
        return Optional.empty();
    }

    /** Generates a new key pair of this type with the platform's default secure random source. */
    public KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(curveName == null ? "RSA" : "EC");
            AlgorithmParameterSpec spec = curveName == null
                    ? new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4)
                    : new ECGenParameterSpec(curveName);
            generator.initialize(spec);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the Java platform cannot generate " + configName + " keys", e);
        }
    }

    /** The JWS algorithm used with keys of this type: ES256, ES384 or RS256. */
    public String jwtAlgorithm() {
        return jwtAlgorithm;
    }

    /** The JCA signature algorithm used when this key signs certificates. */
    public String x509SignatureAlgorithm() {
        return x509SignatureAlgorithm;
    }

    private ECParameterSpec curve() {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec(curveName));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the Java platform does not know curve " + curveName, e);
        }
    }

    static boolean sameCurve(ECParameterSpec a, ECParameterSpec b) {
        BigInteger orderA = a.getOrder();
        return orderA.equals(b.getOrder())
                && a.getCurve().equals(b.getCurve())
                && a.getGenerator().equals(b.getGenerator())
                && a.getCofactor() == b.getCofactor();
    }
}
