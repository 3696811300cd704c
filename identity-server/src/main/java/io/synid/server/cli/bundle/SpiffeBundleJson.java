package io.synid.server.cli.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import io.synid.api.spire.types.Bundle;
import io.synid.api.spire.types.JWTKey;
import io.synid.api.spire.types.X509Certificate;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GoJson;
import io.synid.server.cli.JsonInput;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

/**
 * SPIFFE bundle documents (JWKS with {@code x509-svid} and {@code jwt-svid} keys, plus
 * {@code spiffe_sequence} and {@code spiffe_refresh_hint}), written and read as SPIRE's CLI does
 * through go-spiffe.
 */
final class SpiffeBundleJson {
  private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  private SpiffeBundleJson() {}

  /** The document, indented by four spaces (no trailing newline). */
  static String encode(Bundle bundle) throws CliException {
    ObjectNode doc = GoJson.object();
    if (bundle.getX509AuthoritiesCount() + bundle.getJwtAuthoritiesCount() == 0) {
      doc.putNull("keys");
    } else {
      ArrayNode keys = doc.putArray("keys");
      int i = 0;
      for (X509Certificate authority : bundle.getX509AuthoritiesList()) {
        java.security.cert.X509Certificate cert = parseCertificate(authority.getAsn1().toByteArray(),
            "unable to parse root CA " + i++);
        ObjectNode jwk = JwkEncoding.fromPkix(cert.getPublicKey().getEncoded(), "x509-svid", "");
        jwk.putArray("x5c").add(Base64.getEncoder().encodeToString(authority.getAsn1().toByteArray()));
        keys.add(jwk);
      }
      for (JWTKey authority : bundle.getJwtAuthoritiesList()) {
        keys.add(JwkEncoding.fromPkix(authority.getPublicKey().toByteArray(), "jwt-svid",
            authority.getKeyId()));
      }
    }
    if (bundle.getSequenceNumber() > 0) {
      doc.set("spiffe_sequence", JsonNodeFactory.instance.numberNode(
          new BigInteger(Long.toUnsignedString(bundle.getSequenceNumber()))));
    }
    if (bundle.getRefreshHint() > 0) {
      doc.put("spiffe_refresh_hint", bundle.getRefreshHint());
    }
    return GoJson.indented(doc, "    ");
  }

  /**
   * Parses a document into a bundle of {@code trustDomain} (X.509 and JWT authorities; other
   * key uses are ignored).
   */
  static Bundle decode(byte[] json, String trustDomain) throws CliException {
    JsonNode doc;
    try {
      doc = JsonInput.parse(json);
    } catch (CliException e) {
      throw bundleError("unable to parse JWKS: " + e.getMessage());
    }
    if (doc == null || !doc.isObject()) {
      throw bundleError("unable to parse JWKS: not a JSON object");
    }
    Bundle.Builder bundle = Bundle.newBuilder().setTrustDomain(trustDomain);
    JsonNode refreshHint = member(doc, "spiffe_refresh_hint");
    if (refreshHint != null && !refreshHint.isNull()) {
      if (!refreshHint.canConvertToLong() || !refreshHint.isIntegralNumber()) {
        throw bundleError("unable to parse JWKS: spiffe_refresh_hint is not an integer");
      }
      bundle.setRefreshHint(refreshHint.longValue());
    }
    JsonNode sequence = member(doc, "spiffe_sequence");
    if (sequence != null && !sequence.isNull()) {
      if (!sequence.isIntegralNumber() || sequence.bigIntegerValue().signum() < 0
          || sequence.bigIntegerValue().bitLength() > 64) {
        throw bundleError("unable to parse JWKS: spiffe_sequence is not an unsigned integer");
      }
      bundle.setSequenceNumber(sequence.bigIntegerValue().longValue());
    }
    JsonNode keys = member(doc, "keys");
    if (keys == null || keys.isNull()) {
      throw bundleError("no authorities found");
    }
    if (!keys.isArray()) {
      throw bundleError("unable to parse JWKS: keys is not an array");
    }
    for (int i = 0; i < keys.size(); i++) {
      JsonNode key = keys.get(i);
      JWK jwk;
      try {
        jwk = JWK.parse(key.toString());
      } catch (java.text.ParseException | IllegalArgumentException e) {
        throw bundleError("unable to parse JWKS: " + e.getMessage());
      }
      String use = key.path("use").asText("");
      switch (use) {
        case "x509-svid" -> {
          int count = jwk.getX509CertChain() == null ? 0 : jwk.getX509CertChain().size();
          if (count != 1) {
            throw bundleError("expected a single certificate in x509-svid entry " + i + "; got "
                + count);
          }
          byte[] der = jwk.getX509CertChain().get(0).decode();
          parseCertificate(der, "unable to parse JWKS: invalid x5c");
          bundle.addX509Authorities(X509Certificate.newBuilder().setAsn1(ByteString.copyFrom(der)));
        }
        case "jwt-svid" -> {
          if (jwk.getKeyID() == null || jwk.getKeyID().isEmpty()) {
            throw bundleError("error adding authority " + i + " of JWKS: keyID cannot be empty");
          }
          bundle.addJwtAuthorities(JWTKey.newBuilder()
              .setKeyId(jwk.getKeyID())
              .setPublicKey(ByteString.copyFrom(pkix(jwk))));
        }
        default -> {
          // Other uses (and keys without one) are not authorities of this bundle.
        }
      }
    }
    return bundle.build();
  }

  private static byte[] pkix(JWK jwk) throws CliException {
    try {
      if (jwk instanceof ECKey ec) {
        return ec.toECPublicKey().getEncoded();
      }
      if (jwk instanceof RSAKey rsa) {
        return rsa.toRSAPublicKey().getEncoded();
      }
      if (jwk instanceof OctetKeyPair okp && okp.getCurve().getName().equals("Ed25519")) {
        byte[] x = okp.getDecodedX();
        byte[] out = new byte[ED25519_SPKI_PREFIX.length + x.length];
        System.arraycopy(ED25519_SPKI_PREFIX, 0, out, 0, ED25519_SPKI_PREFIX.length);
        System.arraycopy(x, 0, out, ED25519_SPKI_PREFIX.length, x.length);
        return out;
      }
    } catch (JOSEException e) {
      throw bundleError("unable to parse JWKS: " + e.getMessage());
    }
    throw bundleError("unable to parse JWKS: unsupported key type " + jwk.getKeyType());
  }

  private static JsonNode member(JsonNode object, String name) {
    JsonNode found = null;
    for (Map.Entry<String, JsonNode> field : object.properties()) {
      if (field.getKey().equalsIgnoreCase(name)) {
        found = field.getValue();
      }
    }
    return found;
  }

  static java.security.cert.X509Certificate parseCertificate(byte[] der, String context)
      throws CliException {
    try {
      return (java.security.cert.X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | RuntimeException e) {
      throw new CliException(context + ": " + e.getMessage(), e);
    }
  }

  private static CliException bundleError(String message) {
    return new CliException("spiffebundle: " + message);
  }
}
