package io.synid.nodeattestor.x509pop;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.synid.nodeattestor.AttestationException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON documents of the x509pop conversation, in the encoding SPIRE's Go implementation uses
 * ({@code encoding/json}: byte arrays as standard base64, absent alternatives as {@code null}),
 * and the nonce arithmetic both halves share.
 */
final class X509PopMessages {
  static final int NONCE_LENGTH = 32;
  /** Upper bound on any x509pop document; a real chain is a few kilobytes. */
  static final int MAX_DOCUMENT = 64 * 1024;
  /** More certificates than any real chain; bounds the work of chain building. */
  static final int MAX_CERTIFICATES = 16;

  private X509PopMessages() {}

  /** Which signature the challenge asks for, decided by the leaf's key type. */
  enum Kind {
    RSA("rsa_signature"),
    ECDSA("ecdsa_signature");

    final String field;

    Kind(String field) {
      this.field = field;
    }
  }

  /** The agent's answer: its nonce and the signature, {@code r || s} split for ECDSA. */
  record Response(Kind kind, byte[] nonce, byte[] signature, byte[] r, byte[] s) {}

  static byte[] encodeAttestationData(List<X509Certificate> chain) {
    List<Object> certificates = new ArrayList<>();
    for (X509Certificate c : chain) {
      try {
        certificates.add(base64(c.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
      }
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("certificates", certificates);
    return JSONObjectUtils.toJSONString(doc).getBytes(StandardCharsets.UTF_8);
  }

  /** The DER certificates of an attestation payload, leaf first; not yet parsed. */
  static List<byte[]> decodeAttestationData(byte[] payload) throws AttestationException {
    Map<String, Object> doc = parse(payload, "failed to unmarshal data");
    Object value = doc.get("certificates");
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list)) {
      throw malformed("failed to unmarshal data: certificates is not an array");
    }
    if (list.size() > MAX_CERTIFICATES) {
      throw malformed("failed to unmarshal data: more than " + MAX_CERTIFICATES + " certificates");
    }
    List<byte[]> ders = new ArrayList<>(list.size());
    for (Object item : list) {
      ders.add(bytes(item, "certificates"));
    }
    return ders;
  }

  static byte[] encodeChallenge(Kind kind, byte[] nonce) {
    Map<String, Object> doc = new LinkedHashMap<>();
    for (Kind k : Kind.values()) {
      if (k == kind) {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("nonce", base64(nonce));
        doc.put(k.field, inner);
      } else {
        doc.put(k.field, null);
      }
    }
    return JSONObjectUtils.toJSONString(doc).getBytes(StandardCharsets.UTF_8);
  }

  /** The nonce of the challenge of {@code kind}, or empty if the challenge has none of it. */
  static Optional<byte[]> decodeChallenge(byte[] challenge, Kind kind) throws AttestationException {
    Map<String, Object> doc = parse(challenge, "unable to unmarshal challenge");
    Object inner = doc.get(kind.field);
    if (inner == null) {
      return Optional.empty();
    }
    if (!(inner instanceof Map<?, ?> map)) {
      throw malformed("unable to unmarshal challenge: " + kind.field + " is not an object");
    }
    return Optional.of(bytes(map.get("nonce"), "nonce"));
  }

  static byte[] encodeResponse(Response response) {
    Map<String, Object> doc = new LinkedHashMap<>();
    for (Kind k : Kind.values()) {
      if (k != response.kind()) {
        doc.put(k.field, null);
        continue;
      }
      Map<String, Object> inner = new LinkedHashMap<>();
      inner.put("nonce", base64(response.nonce()));
      if (k == Kind.RSA) {
        inner.put("signature", base64(response.signature()));
      } else {
        inner.put("r", base64(response.r()));
        inner.put("s", base64(response.s()));
      }
      doc.put(k.field, inner);
    }
    return JSONObjectUtils.toJSONString(doc).getBytes(StandardCharsets.UTF_8);
  }

  static Response decodeResponse(byte[] response, Kind expected) throws AttestationException {
    Map<String, Object> doc = parse(response, "unable to unmarshal challenge response");
    Object inner = doc.get(expected.field);
    if (inner == null) {
      throw malformed("challenge response verification failed: expecting "
          + (expected == Kind.RSA ? "RSA" : "ECDSA") + " response");
    }
    if (!(inner instanceof Map<?, ?> map)) {
      throw malformed("unable to unmarshal challenge response: " + expected.field
          + " is not an object");
    }
    byte[] nonce = bytes(map.get("nonce"), "nonce");
    if (expected == Kind.RSA) {
      return new Response(expected, nonce, bytes(map.get("signature"), "signature"), null, null);
    }
    return new Response(expected, nonce, null, bytes(map.get("r"), "r"), bytes(map.get("s"), "s"));
  }

  /** {@code SHA-256(challenge || response)}; both nonces must be exactly 32 bytes. */
  static byte[] combineNonces(byte[] challenge, byte[] response) throws AttestationException {
    if (challenge.length != NONCE_LENGTH) {
      throw malformed("invalid challenge nonce");
    }
    if (response.length != NONCE_LENGTH) {
      throw malformed("invalid response nonce");
    }
    MessageDigest sha256 = digest("SHA-256");
    sha256.update(challenge);
    sha256.update(response);
    return sha256.digest();
  }

  /** SPIRE's fingerprint: lowercase hex SHA-1 of the DER encoding. */
  static String fingerprint(X509Certificate certificate) {
    try {
      return HexFormat.of().formatHex(digest("SHA-1").digest(certificate.getEncoded()));
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
    }
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required by the Java platform", e);
    }
  }

  private static Map<String, Object> parse(byte[] json, String context) throws AttestationException {
    if (json.length > MAX_DOCUMENT) {
      throw malformed(context + ": document larger than " + MAX_DOCUMENT + " bytes");
    }
    try {
      return JSONObjectUtils.parse(new String(json, StandardCharsets.UTF_8));
    } catch (ParseException | RuntimeException e) {
      throw malformed(context + ": not a JSON object");
    }
  }

  private static byte[] bytes(Object value, String field) throws AttestationException {
    if (!(value instanceof String s)) {
      throw malformed("malformed " + field + ": expected a base64 string");
    }
    try {
      return Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw malformed("malformed " + field + ": invalid base64");
    }
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  static AttestationException malformed(String message) {
    return new AttestationException(AttestationException.Reason.MALFORMED, "x509pop: " + message);
  }

  static AttestationException denied(String message) {
    return new AttestationException(AttestationException.Reason.DENIED, "x509pop: " + message);
  }
}
