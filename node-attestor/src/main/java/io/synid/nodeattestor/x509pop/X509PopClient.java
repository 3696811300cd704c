package io.synid.nodeattestor.x509pop;

import io.synid.nodeattestor.AgentNodeAttestor;
import io.synid.nodeattestor.AttestationException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.List;
import java.util.Optional;

/**
 * The agent half of {@code x509pop}: sends the node's certificate chain and signs the server's
 * nonce together with a fresh nonce of its own.
 */
public final class X509PopClient implements AgentNodeAttestor {
  private final List<X509Certificate> chain;
  private final PrivateKey key;
  private final SecureRandom random;

  /**
   * @param chain the node certificate first, then any intermediates
   * @param key the node certificate's private key (RSA or EC)
   */
  public X509PopClient(List<X509Certificate> chain, PrivateKey key, SecureRandom random) {
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("x509pop: the certificate chain is empty");
    }
    if (!(key instanceof RSAPrivateKey) && !(key instanceof ECPrivateKey)) {
      throw new IllegalArgumentException("x509pop: unsupported private key type " + key.getAlgorithm());
    }
    this.chain = List.copyOf(chain);
    this.key = key;
    this.random = random;
  }

  @Override
  public String name() {
    return X509PopAttestor.NAME;
  }

  @Override
  public byte[] payload() {
    return X509PopMessages.encodeAttestationData(chain);
  }

  @Override
  public byte[] respond(byte[] challenge) throws AttestationException {
    X509PopMessages.Kind kind = key instanceof RSAPrivateKey
        ? X509PopMessages.Kind.RSA : X509PopMessages.Kind.ECDSA;
    Optional<byte[]> serverNonce = X509PopMessages.decodeChallenge(challenge, kind);
    if (serverNonce.isEmpty()) {
      throw X509PopMessages.malformed("expecting " + (kind == X509PopMessages.Kind.RSA
          ? "RSA" : "ECDSA") + " challenge");
    }
    byte[] nonce = new byte[X509PopMessages.NONCE_LENGTH];
    random.nextBytes(nonce);
    byte[] digest = X509PopMessages.combineNonces(serverNonce.get(), nonce);
    try {
      if (kind == X509PopMessages.Kind.RSA) {
        byte[] signature = X509PopSignatures.signRsaPss((RSAPrivateKey) key, digest, random);
        return X509PopMessages.encodeResponse(
            new X509PopMessages.Response(kind, nonce, signature, null, null));
      }
      byte[][] rs = X509PopSignatures.signEcdsa((ECPrivateKey) key, digest, random);
      return X509PopMessages.encodeResponse(
          new X509PopMessages.Response(kind, nonce, null, rs[0], rs[1]));
    } catch (GeneralSecurityException e) {
      throw X509PopMessages.malformed("unable to sign the challenge: " + e.getMessage());
    }
  }
}
