package io.synid.nodeattestor.x509pop;

import io.synid.core.x509.EcdsaProvider;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import javax.crypto.Cipher;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;

/**
 * Signatures over an already computed SHA-256 digest, as Go's {@code rsa.SignPSS}/{@code
 * rsa.VerifyPSS} (with nil options) and {@code ecdsa.Sign}/{@code ecdsa.Verify} make them.
 *
 * <p>Implementation note: the JCA's RSASSA-PSS hashes the message itself, while SPIRE signs the
 * digest as if it were the message hash, and Go's signer uses the largest salt while its verifier
 * accepts any salt length. EMSA-PSS (RFC 8017 section 9.1) is therefore written out here, with the
 * RSA primitive itself left to the JCA. ECDSA over a digest is the JCA's {@code NONEwithECDSA}.
 */
final class X509PopSignatures {
  private static final int HASH_LENGTH = 32;

  private X509PopSignatures() {}

  /** RSASSA-PSS with SHA-256 and MGF1-SHA-256 over {@code digest}, any salt length. */
  static boolean verifyRsaPss(RSAPublicKey key, byte[] digest, byte[] signature) {
    BigInteger n = key.getModulus();
    int k = (n.bitLength() + 7) / 8;
    if (signature.length != k || digest.length != HASH_LENGTH) {
      return false;
    }
    BigInteger s = new BigInteger(1, signature);
    if (s.compareTo(n) >= 0) {
      return false;
    }
    int emBits = n.bitLength() - 1;
    int emLen = (emBits + 7) / 8;
    byte[] em = toFixedLength(s.modPow(key.getPublicExponent(), n), emLen);
    if (em == null || emLen < HASH_LENGTH + 2 || em[emLen - 1] != (byte) 0xbc) {
      return false;
    }
    int dbLen = emLen - HASH_LENGTH - 1;
    byte[] db = Arrays.copyOfRange(em, 0, dbLen);
    byte[] h = Arrays.copyOfRange(em, dbLen, dbLen + HASH_LENGTH);
    int topBits = 8 * emLen - emBits;
    if ((db[0] & (0xff << (8 - topBits))) != 0) {
      return false;
    }
    byte[] mask = mgf1(h, dbLen);
    for (int i = 0; i < dbLen; i++) {
      db[i] ^= mask[i];
    }
    db[0] &= (byte) (0xff >>> topBits);
    int separator = 0;
    while (separator < dbLen && db[separator] == 0) {
      separator++;
    }
    if (separator == dbLen || db[separator] != 0x01) {
      return false;
    }
    byte[] salt = Arrays.copyOfRange(db, separator + 1, dbLen);
    return MessageDigest.isEqual(h, pssHash(digest, salt));
  }

  /** RSASSA-PSS over {@code digest} with the largest salt, as Go's signer does. */
  static byte[] signRsaPss(RSAPrivateKey key, byte[] digest, SecureRandom random)
      throws GeneralSecurityException {
    BigInteger n = key.getModulus();
    int emBits = n.bitLength() - 1;
    int emLen = (emBits + 7) / 8;
    int saltLength = emLen - HASH_LENGTH - 2;
    if (saltLength < 0) {
      throw new GeneralSecurityException("RSA key too short for PSS with SHA-256");
    }
    byte[] salt = new byte[saltLength];
    random.nextBytes(salt);
    byte[] h = pssHash(digest, salt);
    int dbLen = emLen - HASH_LENGTH - 1;
    byte[] db = new byte[dbLen];
    db[dbLen - saltLength - 1] = 0x01;
    System.arraycopy(salt, 0, db, dbLen - saltLength, saltLength);
    byte[] mask = mgf1(h, dbLen);
    for (int i = 0; i < dbLen; i++) {
      db[i] ^= mask[i];
    }
    db[0] &= (byte) (0xff >>> (8 * emLen - emBits));
    byte[] em = new byte[emLen];
    System.arraycopy(db, 0, em, 0, dbLen);
    System.arraycopy(h, 0, em, dbLen, HASH_LENGTH);
    em[emLen - 1] = (byte) 0xbc;
    Cipher rsa = Cipher.getInstance("RSA/ECB/NoPadding");
    rsa.init(Cipher.ENCRYPT_MODE, key, random);
    return rsa.doFinal(em);
  }

  /** ECDSA over {@code digest}; {@code r} and {@code s} are unsigned big-endian integers. */
  static boolean verifyEcdsa(ECPublicKey key, byte[] digest, byte[] r, byte[] s) {
    try {
      byte[] der = new DERSequence(new ASN1Integer[] {
          new ASN1Integer(new BigInteger(1, r)), new ASN1Integer(new BigInteger(1, s))}).getEncoded();
      Signature verifier = Signature.getInstance("NONEwithECDSA", EcdsaProvider.bouncyCastle());
      verifier.initVerify(key);
      verifier.update(digest);
      return verifier.verify(der);
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      return false;
    }
  }

  /** ECDSA over {@code digest}: {r, s} as minimal unsigned big-endian bytes (Go's Bytes()). */
  static byte[][] signEcdsa(ECPrivateKey key, byte[] digest, SecureRandom random)
      throws GeneralSecurityException {
    Signature signer = Signature.getInstance("NONEwithECDSA", EcdsaProvider.bouncyCastle());
    signer.initSign(key, random);
    signer.update(digest);
    try {
      ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(signer.sign()));
      return new byte[][] {
          unsigned(ASN1Integer.getInstance(seq.getObjectAt(0)).getValue()),
          unsigned(ASN1Integer.getInstance(seq.getObjectAt(1)).getValue())};
    } catch (IOException e) {
      throw new GeneralSecurityException("malformed ECDSA signature: " + e.getMessage(), e);
    }
  }

  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes.length > 1 && bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  private static byte[] toFixedLength(BigInteger value, int length) {
    byte[] bytes = unsigned(value);
    if (bytes.length > length) {
      return null;
    }
    byte[] out = new byte[length];
    System.arraycopy(bytes, 0, out, length - bytes.length, bytes.length);
    return out;
  }

  private static byte[] pssHash(byte[] digest, byte[] salt) {
    MessageDigest sha256 = sha256();
    sha256.update(new byte[8]);
    sha256.update(digest);
    sha256.update(salt);
    return sha256.digest();
  }

  private static byte[] mgf1(byte[] seed, int length) {
    byte[] out = new byte[length];
    int offset = 0;
    for (int counter = 0; offset < length; counter++) {
      MessageDigest sha256 = sha256();
      sha256.update(seed);
      sha256.update(new byte[] {
          (byte) (counter >>> 24), (byte) (counter >>> 16), (byte) (counter >>> 8), (byte) counter});
      byte[] block = sha256.digest();
      int n = Math.min(block.length, length - offset);
      System.arraycopy(block, 0, out, offset, n);
      offset += n;
    }
    return out;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }
}
