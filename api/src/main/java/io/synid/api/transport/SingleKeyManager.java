package io.synid.api.transport;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * One private key and its certificate chain for TLS authentication, whatever the peer asks for.
 *
 * <p>Handed to Netty's {@code SslContextBuilder.keyManager(KeyManager)} instead of
 * {@code keyManager(PrivateKey, X509Certificate...)}, which first copies the key into a
 * password-protected PKCS#12 key store: a PBKDF2 derivation costing about 100 ms of CPU each time
 * a context is built (an agent does it at start and at every renewal of its SVID).
 */
public final class SingleKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS = "svid";
  private final PrivateKey key;
  private final X509Certificate[] chain;

  /**
   * @param key the private key of {@code chain}'s first certificate
   * @param chain leaf first, not empty
   */
  public SingleKeyManager(PrivateKey key, List<X509Certificate> chain) {
    this.key = Objects.requireNonNull(key, "key");
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("the certificate chain is empty");
    }
    this.chain = chain.toArray(X509Certificate[]::new);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return new String[] {ALIAS};
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return ALIAS;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return ALIAS;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return new String[] {ALIAS};
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return ALIAS;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return ALIAS;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return ALIAS.equals(alias) ? chain.clone() : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return ALIAS.equals(alias) ? key : null;
  }
}
