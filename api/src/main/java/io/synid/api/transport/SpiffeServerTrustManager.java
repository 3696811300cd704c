package io.synid.api.transport;

import java.net.Socket;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Client-side trust of a SPIFFE server: the presented chain must verify (PKIX, no revocation)
 * against the current X.509 authorities of the trust domain, and the leaf's only URI SAN must be
 * exactly the expected SPIFFE ID (for a SPIRE-compatible server, {@code spiffe://<td>/spire/server}).
 * Host names are not checked: the SPIFFE ID is the server's identity.
 *
 * <p>The roots are read on every handshake, so a bundle update takes effect on the next
 * connection without rebuilding the TLS context.
 */
public final class SpiffeServerTrustManager extends X509ExtendedTrustManager {
  private static final int URI_SAN = 6;

  private final Supplier<? extends Collection<X509Certificate>> roots;
  private final String expectedId;
  private volatile X509Certificate[] lastSeen;

  /**
   * @param roots the current X.509 authorities of the server's trust domain
   * @param expectedId the SPIFFE ID the server must present, e.g. {@code spiffe://example.org/spire/server}
   */
  public SpiffeServerTrustManager(Supplier<? extends Collection<X509Certificate>> roots,
      String expectedId) {
    this.roots = roots;
    this.expectedId = expectedId;
  }

  /** The chain the server presented in the most recent handshake (verified or not), or null. */
  public X509Certificate[] lastSeenChain() {
    X509Certificate[] seen = lastSeen;
    return seen == null ? null : seen.clone();
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    lastSeen = chain.clone();
    if (chain.length == 0) {
      throw new CertificateException("the server presented no certificate");
    }
    Set<TrustAnchor> anchors = roots.get().stream().map(r -> new TrustAnchor(r, null))
        .collect(Collectors.toSet());
    if (anchors.isEmpty()) {
      throw new CertificateException("no trust bundle to verify the server against");
    }
    try {
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      CertPathValidator.getInstance("PKIX").validate(
          CertificateFactory.getInstance("X.509").generateCertPath(Arrays.asList(chain)), params);
    } catch (java.security.GeneralSecurityException e) {
      throw new CertificateException("the server certificate does not chain to the trust bundle: "
          + e.getMessage(), e);
    }
    List<String> uris = uriSans(chain[0]);
    if (!uris.equals(List.of(expectedId))) {
      throw new CertificateException("expected server SPIFFE ID " + expectedId + ", got " + uris);
    }
  }

  private static List<String> uriSans(X509Certificate leaf) throws CertificateParsingException {
    Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
    if (sans == null) {
      return List.of();
    }
    return sans.stream().filter(s -> Integer.valueOf(URI_SAN).equals(s.get(0)))
        .map(s -> String.valueOf(s.get(1))).toList();
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("client-side trust manager: cannot verify clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
