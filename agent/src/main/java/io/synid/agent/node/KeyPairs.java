package io.synid.agent.node;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;

/** Key pairs for SVIDs: generation (EC P-256, SPIRE's default) and consistency checks. */
public final class KeyPairs {
  private static final byte[] PROBE = "synid key pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private KeyPairs() {}

  /** A fresh EC P-256 key pair. */
  public static KeyPair newEcP256() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot generate P-256 keys", e);
    }
  }

  /** Whether the private key signs what the public key verifies (EC or RSA). */
  public static boolean match(KeyPair pair) {
    String algorithm = "EC".equals(pair.getPrivate().getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(pair.getPrivate());
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(pair.getPublic());
      verifier.update(PROBE);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
