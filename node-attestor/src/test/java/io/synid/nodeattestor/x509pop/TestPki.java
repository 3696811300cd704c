package io.synid.nodeattestor.x509pop;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A small test PKI: roots, intermediates and node certificates with chosen properties. */
final class TestPki {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A certificate with its key pair. */
  record Issued(X509Certificate certificate, KeyPair keyPair) {}

  private TestPki() {}

  static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  static Issued root(String cn) throws Exception {
    KeyPair kp = ec();
    return new Issued(build(cn, kp.getPublic(), cn, kp.getPrivate(), true,
        KeyUsage.keyCertSign | KeyUsage.cRLSign, List.of(), NOW, Duration.ofDays(365)), kp);
  }

  static Issued intermediate(String cn, Issued issuer) throws Exception {
    KeyPair kp = ec();
    return new Issued(build(cn, kp.getPublic(), name(issuer), issuer.keyPair().getPrivate(), true,
        KeyUsage.keyCertSign | KeyUsage.cRLSign, List.of(), NOW, Duration.ofDays(365)), kp);
  }

  static Issued node(String cn, KeyPair kp, Issued issuer, List<String> uris) throws Exception {
    return node(cn, kp, issuer, uris, KeyUsage.digitalSignature, Duration.ofDays(30));
  }

  static Issued node(String cn, KeyPair kp, Issued issuer, List<String> uris, int keyUsage,
      Duration ttl) throws Exception {
    return new Issued(build(cn, kp.getPublic(), name(issuer), issuer.keyPair().getPrivate(), false,
        keyUsage, uris, NOW, ttl), kp);
  }

  private static String name(Issued issuer) {
    return X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded())
        .getRDNs()[0].getFirst().getValue().toString();
  }

  private static X509Certificate build(String cn, PublicKey key, String issuerCn,
      PrivateKey issuerKey, boolean ca, int keyUsage, List<String> uris, Instant from,
      Duration ttl) throws Exception {
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
        new X500Name("CN=" + issuerCn), new BigInteger(64, RANDOM).add(BigInteger.ONE),
        Date.from(from.minusSeconds(60)), Date.from(from.plus(ttl)),
        new X500Name(cn.isEmpty() ? "O=Synid Test" : "CN=" + cn), key);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    if (keyUsage != 0) {
      b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
    }
    if (!uris.isEmpty()) {
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(uris.stream()
          .map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u))
          .toArray(GeneralName[]::new)));
    }
    String alg = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder(alg).build(issuerKey)));
  }
}
