/**
 * X.509 for SPIFFE: key types, signing CAs, X509-SVID signing, CSR verification and PEM.
 *
 * <p>Everything that reads untrusted bytes ({@link io.synid.core.x509.Csr#parse},
 * {@link io.synid.core.x509.Pem} decoders) reports problems only through its declared checked
 * exception; everything that builds certificates treats bad arguments as programming errors
 * ({@link java.lang.IllegalArgumentException}).
 */
package io.synid.core.x509;
