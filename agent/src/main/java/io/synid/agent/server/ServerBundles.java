package io.synid.agent.server;

import io.synid.api.spire.types.Bundle;
import io.synid.api.spire.types.JWTKey;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.jwt.JwtKey;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.InvalidPemException;
import io.synid.core.x509.Pem;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Converts the server API's bundle message into a {@link TrustBundle}, rejecting bad content. */
final class ServerBundles {
  private ServerBundles() {}

  /**
   * @throws ServerApiException (not retryable) if the trust domain, a certificate or a key is
   *     malformed
   */
  static TrustBundle fromProto(Bundle bundle) throws ServerApiException {
    try {
      TrustDomain td = TrustDomain.parse(bundle.getTrustDomain());
      List<X509Certificate> roots = new ArrayList<>();
      for (var authority : bundle.getX509AuthoritiesList()) {
        roots.add(Pem.certificateFromDer(authority.getAsn1().toByteArray()));
      }
      List<JwtKey> keys = new ArrayList<>();
      for (JWTKey key : bundle.getJwtAuthoritiesList()) {
        keys.add(new JwtKey(key.getKeyId(), publicKey(key.getPublicKey().toByteArray()),
            key.getExpiresAt() == 0 ? JwtKey.NO_EXPIRY : Instant.ofEpochSecond(key.getExpiresAt())));
      }
      return new TrustBundle(td, roots, keys, bundle.getSequenceNumber(),
          Duration.ofSeconds(Math.max(0, bundle.getRefreshHint())));
    } catch (InvalidSpiffeIdException | InvalidPemException | GeneralSecurityException
        | IllegalArgumentException e) {
      throw new ServerApiException("the server sent a malformed bundle for \""
          + bundle.getTrustDomain() + "\": " + e.getMessage(), e, false);
    }
  }

  private static PublicKey publicKey(byte[] der) throws GeneralSecurityException {
    X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
    try {
      return KeyFactory.getInstance("EC").generatePublic(spec);
    } catch (GeneralSecurityException notEc) {
      return KeyFactory.getInstance("RSA").generatePublic(spec);
    }
  }
}
