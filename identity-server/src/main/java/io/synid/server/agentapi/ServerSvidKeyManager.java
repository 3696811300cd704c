package io.synid.server.agentapi;

import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.x509.KeyType;
import io.synid.server.ca.CaException;
import io.synid.server.ca.CertificateAuthority;
import java.net.Socket;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents the server SVID {@code spiffe://<td>/spire/server} in every TLS handshake, always a
 * current one: it is signed again when the CA's active authority changes (rotation) and when half
 * of its lifetime has passed.
 *
 * <p>Each issued SVID has its own alias, so the chain and the private key that one handshake asks
 * for separately always belong together, even if a rotation happens in between.
 */
final class ServerSvidKeyManager extends X509ExtendedKeyManager {
  private static final int KEPT = 4;

  private record Issued(String alias, PrivateKey key, X509Certificate[] chain,
      X509Certificate issuer, Instant refreshAt) {}

  private final CertificateAuthority ca;
  private final SpiffeId serverId;
  private final Duration ttl;
  private final Clock clock;
  private final Map<String, Issued> recent = new LinkedHashMap<>();
  private Issued current;
  private long generation;

  ServerSvidKeyManager(CertificateAuthority ca, SpiffeId serverId, Duration ttl, Clock clock) {
    this.ca = ca;
    this.serverId = serverId;
    this.ttl = ttl;
    this.clock = clock;
  }

  /** The SVID presented now, signing a new one if due. */
  synchronized List<X509Certificate> currentChain() throws CaException {
    return List.of(refresh().chain());
  }

  private synchronized Issued refresh() throws CaException {
    Instant now = clock.instant();
    X509Certificate issuer = ca.activeX509Authority().certificate();
    if (current != null && current.issuer().equals(issuer) && now.isBefore(current.refreshAt())) {
      return current;
    }
    KeyPair keyPair = KeyType.EC_P256.generate();
    List<X509Certificate> chain = ca.signX509Svid(keyPair.getPublic(), serverId, List.of(), ttl);
    X509Certificate leaf = chain.get(0);
    Instant notBefore = leaf.getNotBefore().toInstant();
    Instant notAfter = leaf.getNotAfter().toInstant();
    Instant refreshAt = notBefore.plus(Duration.between(notBefore, notAfter).dividedBy(2));
    current = new Issued("server-svid-" + (++generation), keyPair.getPrivate(),
        chain.toArray(X509Certificate[]::new), issuer, refreshAt);
    recent.put(current.alias(), current);
    while (recent.size() > KEPT) {
      recent.remove(recent.keySet().iterator().next());
    }
    return current;
  }

  private String alias() {
    try {
      return refresh().alias();
    } catch (CaException e) {
      // No alias means no certificate: the handshake fails instead of presenting a stale SVID.
      return null;
    }
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias();
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias();
  }

  @Override
  public synchronized X509Certificate[] getCertificateChain(String alias) {
    Issued issued = recent.get(alias);
    return issued == null ? null : issued.chain().clone();
  }

  @Override
  public synchronized PrivateKey getPrivateKey(String alias) {
    Issued issued = recent.get(alias);
    return issued == null ? null : issued.key();
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String alias = alias();
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
