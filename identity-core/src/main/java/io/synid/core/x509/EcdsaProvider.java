package io.synid.core.x509;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.interfaces.ECKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Optional;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The JCA provider used for ECDSA signing and verification.
 *
 * <p>Why: on Java 17 the JDK's own P-256/P-384 arithmetic is several times slower than Bouncy
 * Castle's (measured here: SunEC sign 570-740 us, verify 1,050-1,160 us; Bouncy Castle sign
 * 260-300 us, verify 240 us), and every SVID costs one CSR verification and one signature. RSA
 * stays with the JDK, which is as fast. The provider instance is private to us (not
 * registered with {@code Security.addProvider}), so nothing else in the JVM changes behaviour.
 */
public final class EcdsaProvider {
  private static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();

  private EcdsaProvider() {}

  /** The provider to use for a signature with {@code key}, or empty for the JDK default. */
  public static Optional<Provider> forKey(Key key) {
    return key instanceof ECKey ? Optional.of(BOUNCY_CASTLE) : Optional.empty();
  }

  /**
   * {@code keyPair} with its EC private key in Bouncy Castle's own representation, converted once.
   * Why: given a JDK key object, Bouncy Castle rebuilds its precomputed tables for the curve's
   * generator at every signature (measured: 260-290 us per P-256 signature instead of 95 us). RSA
   * keys and keys already in Bouncy Castle's form are returned as they are.
   *
   * @throws IllegalArgumentException if the EC key cannot be converted
   */
  public static KeyPair prepared(KeyPair keyPair) {
    PrivateKey key = keyPair.getPrivate();
    if (!(key instanceof ECKey) || key.getClass().getName().startsWith("org.bouncycastle.")) {
      return keyPair;
    }
    try {
      PrivateKey converted = KeyFactory.getInstance("EC", BOUNCY_CASTLE)
          .generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
      return new KeyPair(keyPair.getPublic(), converted);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot prepare the EC key for signing: " + e.getMessage(), e);
    }
  }

  /** The Bouncy Castle provider instance. */
  public static Provider bouncyCastle() {
    return BOUNCY_CASTLE;
  }
}
