package io.synid.core.x509;

/**
 * Thrown when a certificate signing request is malformed, unverifiable, uses an unsupported key or
 * algorithm, or names an identity other than the expected one.
 *
 * <p>The message is always exactly one of the constants declared here.
 */
public final class InvalidCsrException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The input is empty. */
    public static final String EMPTY = "CSR is empty";

    /** The input is larger than {@link Csr#MAX_SIZE} bytes. */
    public static final String TOO_LARGE = "CSR is larger than 16384 bytes";

    /** The input is not a DER-encoded PKCS#10 CertificationRequest (or has trailing bytes). */
    public static final String MALFORMED = "CSR is not a DER-encoded PKCS#10 certification request";

    /** The public key is neither EC P-256/P-384 nor RSA of 2048 to 8192 bits. */
    public static final String UNSUPPORTED_KEY =
            "CSR public key must be EC P-256, EC P-384, or RSA with 2048 to 8192 bits";

    /** The public key is of a supported type but malformed (an EC point off its curve, a bad RSA exponent). */
    public static final String INVALID_KEY = "CSR public key is malformed";

    /** The signature algorithm is not ECDSA or RSA PKCS#1 v1.5 with SHA-256/384/512. */
    public static final String UNSUPPORTED_SIGNATURE_ALGORITHM =
            "CSR signature algorithm must be ECDSA or RSA with SHA-256, SHA-384, or SHA-512";

    /** The signature does not verify with the CSR's own public key. */
    public static final String SIGNATURE_INVALID = "CSR signature check failed";

    /** The extension request attribute cannot be decoded, or appears more than once. */
    public static final String MALFORMED_EXTENSIONS = "CSR extension request is malformed";

    /** More than one URI SAN: an X509-SVID carries exactly one SPIFFE ID. */
    public static final String MULTIPLE_URI_SANS = "CSR cannot have more than one URI SAN";

    /** The URI SAN is not the SPIFFE ID the caller is entitled to. */
    public static final String URI_SAN_MISMATCH = "CSR URI SAN does not match the expected SPIFFE ID";

    InvalidCsrException(String message) {
        super(message);
    }

    InvalidCsrException(String message, Throwable cause) {
        super(message, cause);
    }
}
