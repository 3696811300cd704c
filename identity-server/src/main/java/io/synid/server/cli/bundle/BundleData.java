package io.synid.server.cli.bundle;

import com.google.protobuf.ByteString;
import io.synid.api.spire.types.Bundle;
import io.synid.api.spire.types.X509Certificate;
import io.synid.server.cli.CliException;
import io.synid.server.cli.Pem;
import io.synid.server.cli.ProtoIds;
import io.synid.server.cli.SpireText;
import java.util.List;

/** The data of {@code bundle set}: PEM certificates or a SPIFFE bundle document. */
public final class BundleData {
  private BundleData() {}

  /** {@code pem}: concatenated PEM certificates. */
  public static final String FORMAT_PEM = "pem";
  /** {@code spiffe}: a SPIFFE bundle document. */
  public static final String FORMAT_SPIFFE = "spiffe";

  /**
   * Parses bundle data for trust domain {@code id} ({@code format} is {@link #FORMAT_PEM} or
   * {@link #FORMAT_SPIFFE}). As in SPIRE, PEM data keeps {@code id} as
   * given, while a SPIFFE document's trust domain is normalized to its name.
   */
  public static Bundle parse(byte[] data, String format, String id) throws CliException {
    if (format.equals(FORMAT_PEM)) {
      List<Pem.Block> blocks = Pem.decode(data);
      if (blocks.isEmpty()) {
        throw new CliException("unable to parse bundle data: no PEM blocks");
      }
      Bundle.Builder bundle = Bundle.newBuilder().setTrustDomain(id);
      int number = 1;
      for (Pem.Block block : blocks) {
        if (!block.type().equals("CERTIFICATE")) {
          throw new CliException("unable to parse bundle data: expected block type "
              + SpireText.quote("CERTIFICATE") + "; got " + SpireText.quote(block.type()));
        }
        try {
          SpiffeBundleJson.parseCertificate(block.bytes(), "");
        } catch (CliException e) {
          throw new CliException("unable to parse bundle data: unable to parse "
              + SpireText.quote("CERTIFICATE") + " PEM block " + number + e.getMessage(), e);
        }
        bundle.addX509Authorities(X509Certificate.newBuilder()
            .setAsn1(ByteString.copyFrom(block.bytes())));
        number++;
      }
      return bundle.build();
    }
    String trustDomain = ProtoIds.trustDomainName(id);
    try {
      return SpiffeBundleJson.decode(data, trustDomain);
    } catch (CliException e) {
      throw new CliException("unable to parse to spiffe bundle: " + e.getMessage(), e);
    }
  }
}
