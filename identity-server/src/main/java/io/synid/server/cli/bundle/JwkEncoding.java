package io.synid.server.cli.bundle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GoJson;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * Public keys as JWK members, written as go-jose writes them (member order {@code use, kty, kid,
 * crv, x, y, n, e, x5c}; coordinates padded to the curve size; unpadded base64url), so that
 * {@code bundle show -format spiffe} prints what SPIRE prints.
 */
final class JwkEncoding {
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private JwkEncoding() {}

  /**
   * A JWK object for a PKIX ({@code SubjectPublicKeyInfo}) public key.
   *
   * @param use {@code x509-svid} or {@code jwt-svid}
   * @param keyId the {@code kid}, or empty for none
   */
  static ObjectNode fromPkix(byte[] pkix, String use, String keyId) throws CliException {
    SubjectPublicKeyInfo info;
    try {
      info = SubjectPublicKeyInfo.getInstance(pkix);
    } catch (RuntimeException e) {
      throw new CliException("unable to parse public key: " + e.getMessage(), e);
    }
    ObjectNode jwk = GoJson.object();
    jwk.put("use", use);
    ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
    byte[] keyBits = info.getPublicKeyData().getOctets();
    if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      ASN1ObjectIdentifier curve = ASN1ObjectIdentifier.getInstance(info.getAlgorithm().getParameters());
      String name;
      int size;
      if (curve.equals(SECObjectIdentifiers.secp256r1)) {
        name = "P-256";
        size = 32;
      } else if (curve.equals(SECObjectIdentifiers.secp384r1)) {
        name = "P-384";
        size = 48;
      } else if (curve.equals(SECObjectIdentifiers.secp521r1)) {
        name = "P-521";
        size = 66;
      } else {
        throw new CliException("unsupported elliptic curve " + curve.getId());
      }
      if (keyBits.length != 1 + 2 * size || keyBits[0] != 0x04) {
        throw new CliException("unsupported elliptic curve point encoding");
      }
      jwk.put("kty", "EC");
      putKeyId(jwk, keyId);
      jwk.put("crv", name);
      jwk.put("x", B64URL.encodeToString(Arrays.copyOfRange(keyBits, 1, 1 + size)));
      jwk.put("y", B64URL.encodeToString(Arrays.copyOfRange(keyBits, 1 + size, 1 + 2 * size)));
    } else if (algorithm.equals(PKCSObjectIdentifiers.rsaEncryption)) {
      RSAPublicKey rsa = RSAPublicKey.getInstance(keyBits);
      jwk.put("kty", "RSA");
      putKeyId(jwk, keyId);
      jwk.put("n", B64URL.encodeToString(unsigned(rsa.getModulus())));
      jwk.put("e", B64URL.encodeToString(unsigned(rsa.getPublicExponent())));
    } else if (algorithm.equals(EdECObjectIdentifiers.id_Ed25519)) {
      jwk.put("kty", "OKP");
      putKeyId(jwk, keyId);
      jwk.put("crv", "Ed25519");
      jwk.put("x", B64URL.encodeToString(keyBits));
    } else {
      throw new CliException("unsupported public key algorithm " + algorithm.getId());
    }
    return jwk;
  }

  private static void putKeyId(ObjectNode jwk, String keyId) {
    if (!keyId.isEmpty()) {
      jwk.put("kid", keyId);
    }
  }

  /** Big-endian magnitude without leading zero bytes. */
  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    int start = 0;
    while (start < bytes.length - 1 && bytes[start] == 0) {
      start++;
    }
    return Arrays.copyOfRange(bytes, start, bytes.length);
  }
}
