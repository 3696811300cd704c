package io.synid.core.x509;

/**
 * Thrown when PEM text cannot be decoded into what the caller asked for.
 *
 * <p>The message is always exactly one of the constants declared here.
 */
public final class InvalidPemException extends Exception {

    private static final long serialVersionUID = 1L;

    /** No {@code -----BEGIN ...-----} line. */
    public static final String NO_BLOCK = "no PEM block found";

    /** A BEGIN line without its END line. */
    public static final String UNTERMINATED_BLOCK = "PEM block has no END line";

    /** An END line whose label differs from the BEGIN line's. */
    public static final String MISMATCHED_END = "PEM END line does not match its BEGIN line";

    /** The block body is not base64. */
    public static final String BAD_BASE64 = "PEM block body is not valid base64";

    /** The block body is empty. */
    public static final String EMPTY_BLOCK = "PEM block is empty";

    /** More than one block where exactly one was expected. */
    public static final String MULTIPLE_BLOCKS = "expected exactly one PEM block";

    /** A block that is not {@code CERTIFICATE} where certificates were expected. */
    public static final String EXPECTED_CERTIFICATE = "expected only CERTIFICATE PEM blocks";

    /** A block that is not a private key where a private key was expected. */
    public static final String EXPECTED_PRIVATE_KEY =
            "expected a PRIVATE KEY, EC PRIVATE KEY, or RSA PRIVATE KEY PEM block";

    /** A block that is not {@code PUBLIC KEY} where a public key was expected. */
    public static final String EXPECTED_PUBLIC_KEY = "expected a PUBLIC KEY PEM block";

    /** A block that is not {@code CERTIFICATE REQUEST} where a CSR was expected. */
    public static final String EXPECTED_CSR = "expected a CERTIFICATE REQUEST PEM block";

    /** A {@code CERTIFICATE} block that is not one DER X.509 certificate. */
    public static final String INVALID_CERTIFICATE = "PEM block does not hold a valid DER X.509 certificate";

    /** A private key block whose content cannot be decoded. */
    public static final String INVALID_PRIVATE_KEY = "PEM block does not hold a valid private key";

    /** A public key block whose content cannot be decoded. */
    public static final String INVALID_PUBLIC_KEY = "PEM block does not hold a valid public key";

    /** A key that is neither EC nor RSA. */
    public static final String UNSUPPORTED_KEY_ALGORITHM = "only EC and RSA keys are supported";

    /** An encrypted private key (PKCS#8 EncryptedPrivateKeyInfo or a legacy Proc-Type header). */
    public static final String ENCRYPTED_KEY = "encrypted private keys are not supported";

    InvalidPemException(String message) {
        super(message);
    }

    InvalidPemException(String message, Throwable cause) {
        super(message, cause);
    }
}
