package io.synid.core.bundle;

import io.synid.core.x509.InvalidPemException;
import io.synid.core.x509.Pem;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The PEM form of a bundle's X.509 authorities, as printed by {@code bundle show -format pem}: the
 * certificates as consecutive {@code CERTIFICATE} blocks. JWT authorities have no PEM form.
 */
public final class BundlePem {

    private BundlePem() {
    }

    /** Encodes the certificates, in order. */
    public static String encode(List<X509Certificate> x509Authorities) {
        return Pem.encodeCertificates(x509Authorities);
    }

    /**
     * Decodes one or more certificates.
     *
     * @throws InvalidPemException when the text holds no certificate or anything else
     */
    public static List<X509Certificate> decode(String pem) throws InvalidPemException {
        return Pem.decodeCertificates(pem);
    }
}
