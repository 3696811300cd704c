package io.synid.server.admin;

import com.google.protobuf.ByteString;
import io.synid.api.spire.types.Bundle;
import io.synid.api.spire.types.BundleMask;
import io.synid.api.spire.types.JWTKey;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.jwt.JwtKey;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.TrustDomain;
import java.io.ByteArrayInputStream;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Conversions between {@code spire.api.types.Bundle} and {@link TrustBundle}. */
public final class ProtoBundles {
  private ProtoBundles() {}

  public static Bundle toProto(TrustBundle b, BundleMask mask, boolean hasMask) {
    Bundle.Builder out = Bundle.newBuilder().setTrustDomain(b.trustDomain().name());
    if (!hasMask || mask.getX509Authorities()) {
      for (X509Certificate c : b.x509Authorities()) {
        try {
          out.addX509AuthoritiesBuilder().setAsn1(ByteString.copyFrom(c.getEncoded()));
        } catch (CertificateEncodingException e) {
          throw new IllegalStateException("stored certificate cannot be encoded", e);
        }
      }
    }
    if (!hasMask || mask.getJwtAuthorities()) {
      for (JwtKey k : b.jwtAuthorities()) {
        out.addJwtAuthorities(JWTKey.newBuilder()
            .setKeyId(k.keyId())
            .setPublicKey(ByteString.copyFrom(k.publicKey().getEncoded()))
            // The SPIFFE bundle format carries no key expiry: 0 means "unknown", as in SPIRE.
            .setExpiresAt(k.hasExpiry() ? k.expiresAt().getEpochSecond() : 0));
      }
    }
    if (!hasMask || mask.getRefreshHint()) {
      out.setRefreshHint(b.refreshHint().toSeconds());
    }
    if (!hasMask || mask.getSequenceNumber()) {
      out.setSequenceNumber(b.sequenceNumber());
    }
    return out.build();
  }

  /** Parses an API bundle; every malformed part is reported with its position. */
  static TrustBundle fromProto(Bundle b) throws InvalidBundleInputException {
    TrustDomain td;
    try {
      td = TrustDomain.parse(b.getTrustDomain());
    } catch (InvalidSpiffeIdException e) {
      throw new InvalidBundleInputException("invalid trust domain \"" + b.getTrustDomain() + "\": "
          + e.getMessage());
    }
    List<X509Certificate> certs = certificates(b.getX509AuthoritiesList());
    List<JwtKey> keys = jwtKeys(b.getJwtAuthoritiesList());
    return new TrustBundle(td, certs, keys, b.getSequenceNumber(),
        Duration.ofSeconds(Math.max(0, b.getRefreshHint())));
  }

  static List<X509Certificate> certificates(List<io.synid.api.spire.types.X509Certificate> in)
      throws InvalidBundleInputException {
    List<X509Certificate> certs = new ArrayList<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      int i = 0;
      for (io.synid.api.spire.types.X509Certificate c : in) {
        try {
          certs.add((X509Certificate) cf.generateCertificate(
              new ByteArrayInputStream(c.getAsn1().toByteArray())));
        } catch (CertificateException | ClassCastException e) {
          throw new InvalidBundleInputException("x509_authorities[" + i
              + "]: not a DER X.509 certificate");
        }
        i++;
      }
    } catch (CertificateException e) {
      throw new IllegalStateException("X.509 is mandatory in every JDK", e);
    }
    return certs;
  }

  static List<JwtKey> jwtKeys(List<JWTKey> in) throws InvalidBundleInputException {
    List<JwtKey> keys = new ArrayList<>();
    int i = 0;
    for (JWTKey k : in) {
      if (k.getKeyId().isEmpty()) {
        throw new InvalidBundleInputException("jwt_authorities[" + i + "]: missing key ID");
      }
      keys.add(new JwtKey(k.getKeyId(), publicKey(i, k.getPublicKey().toByteArray()),
          k.getExpiresAt() == 0 ? JwtKey.NO_EXPIRY : Instant.ofEpochSecond(k.getExpiresAt())));
      i++;
    }
    return keys;
  }

  private static PublicKey publicKey(int index, byte[] der) throws InvalidBundleInputException {
    for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
      } catch (Exception e) {
        // try the next algorithm
      }
    }
    throw new InvalidBundleInputException("jwt_authorities[" + index
        + "]: public key is not a PKIX-encoded EC, RSA or Ed25519 key");
  }

  /** A bundle from an API caller is malformed. */
  static final class InvalidBundleInputException extends Exception {
    InvalidBundleInputException(String message) {
      super(message);
    }
  }
}
