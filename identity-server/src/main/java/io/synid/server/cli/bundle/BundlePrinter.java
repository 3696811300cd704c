package io.synid.server.cli.bundle;

import io.synid.api.spire.types.Bundle;
import io.synid.api.spire.types.X509Certificate;
import io.synid.server.cli.CliException;
import io.synid.server.cli.Pem;
import io.synid.server.cli.SpireText;
import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Locale;

/** Bundles as SPIRE's CLI prints them: PEM roots, or the SPIFFE bundle document. */
final class BundlePrinter {
  static final String FORMAT_PEM = BundleData.FORMAT_PEM;
  static final String FORMAT_SPIFFE = BundleData.FORMAT_SPIFFE;

  private static final String HEADER = "****************************************\n* %s\n"
      + "****************************************\n";

  private BundlePrinter() {}

  /** {@code pem} (also for the empty string) or {@code spiffe}, in any case. */
  static String validateFormat(String format) throws CliException {
    String f = format.isEmpty() ? FORMAT_PEM : format.toLowerCase(Locale.ROOT);
    if (!f.equals(FORMAT_PEM) && !f.equals(FORMAT_SPIFFE)) {
      throw new CliException("invalid format: " + SpireText.quote(f));
    }
    return f;
  }

  /**
   * Prints a bundle; {@code header} adds the starred trust domain banner that
   * {@code bundle list} puts above each bundle.
   */
  static void print(PrintStream out, Bundle bundle, String format, boolean header)
      throws CliException {
    String f = validateFormat(format);
    StringBuilder b = new StringBuilder();
    if (header) {
      b.append(String.format(HEADER, bundle.getTrustDomain()));
    }
    if (f.equals(FORMAT_PEM)) {
      for (X509Certificate authority : bundle.getX509AuthoritiesList()) {
        appendPem(b, authority.getAsn1().toByteArray());
      }
    } else {
      b.append(SpiffeBundleJson.encode(bundle)).append('\n');
    }
    out.print(b);
  }

  /** Each certificate of the DER data (usually one) as a PEM block. */
  private static void appendPem(StringBuilder b, byte[] der) throws CliException {
    try {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(der));
      if (certs.isEmpty()) {
        throw new CliException("unable to parse certificates ASN.1 DER data: no certificate");
      }
      for (Certificate cert : certs) {
        b.append(Pem.encode("CERTIFICATE", cert.getEncoded()));
      }
    } catch (CertificateException e) {
      throw new CliException("unable to parse certificates ASN.1 DER data: " + e.getMessage(), e);
    }
  }
}
