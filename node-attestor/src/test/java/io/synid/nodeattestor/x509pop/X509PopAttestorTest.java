package io.synid.nodeattestor.x509pop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.nodeattestor.AttestationException;
import io.synid.nodeattestor.AttestationResult;
import io.synid.nodeattestor.AttestationStep;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;

class X509PopAttestorTest {
  private final TrustDomain td = TrustDomain.parse("example.org");
  private final SecureRandom random = new SecureRandom();
  private final Clock clock = Clock.fixed(TestPki.NOW.plusSeconds(3600), ZoneOffset.UTC);
  private final TestPki.Issued root = TestPki.root("Test Root");
  private final TestPki.Issued intermediate = TestPki.intermediate("Test Intermediate", root);
  private final X509PopAttestor attestor =
      new X509PopAttestor(td, List.of(root.certificate()), clock, random);

  X509PopAttestorTest() throws Exception {}

  private AttestationResult attest(X509PopClient client) throws Exception {
    AttestationStep step = attestor.attest(client.payload());
    AttestationStep.Challenge challenge = (AttestationStep.Challenge) step;
    return ((AttestationStep.Attested) challenge.respond(client.respond(challenge.challenge())))
        .result();
  }

  private static String sha1(byte[] der) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(der));
  }

  @Test
  void ecdsaNodeThroughAnIntermediateGetsSpiresIdAndSelectors() throws Exception {
    TestPki.Issued node = TestPki.node("node-1.example.org", TestPki.ec(), intermediate,
        List.of("x509pop://example.org/datacenter/us-east-1", "x509pop://other.org/rack/9",
            "spiffe://example.org/ignored"));

    AttestationResult result = attest(new X509PopClient(
        List.of(node.certificate(), intermediate.certificate()), node.keyPair().getPrivate(), random));

    String fp = sha1(node.certificate().getEncoded());
    assertThat(result.agentId().toString())
        .isEqualTo("spiffe://example.org/spire/agent/x509pop/" + fp);
    assertThat(result.selectors()).containsExactly(
        new Selector("x509pop", "subject:cn:node-1.example.org"),
        new Selector("x509pop", "ca:fingerprint:" + sha1(intermediate.certificate().getEncoded())),
        new Selector("x509pop", "ca:fingerprint:" + sha1(root.certificate().getEncoded())),
        new Selector("x509pop", "serialnumber:" + node.certificate().getSerialNumber().toString(16)),
        new Selector("x509pop", "san:datacenter:us-east-1"));
    assertThat(result.canReattest()).isTrue();
  }

  @Test
  void rsaNodeDirectlyUnderTheRoot() throws Exception {
    TestPki.Issued node = TestPki.node("", TestPki.rsa(), root, List.of());

    AttestationResult result = attest(new X509PopClient(
        List.of(node.certificate()), node.keyPair().getPrivate(), random));

    assertThat(result.selectors()).containsExactly(
        new Selector("x509pop", "ca:fingerprint:" + sha1(root.certificate().getEncoded())),
        new Selector("x509pop", "serialnumber:" + node.certificate().getSerialNumber().toString(16)));
  }

  @Test
  void rsaPssSignaturesFromAnIndependentImplementationVerifyWithAnySaltLength() throws Exception {
    KeyPair kp = TestPki.rsa();
    byte[] digest = new byte[32];
    random.nextBytes(digest);
    for (int salt : new int[] {0, 32, 222}) {
      Signature raw = Signature.getInstance("RAWRSASSA-PSS", new BouncyCastleProvider());
      raw.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, salt, 1));
      raw.initSign(kp.getPrivate());
      raw.update(digest);
      byte[] signature = raw.sign();
      assertThat(X509PopSignatures.verifyRsaPss((RSAPublicKey) kp.getPublic(), digest, signature))
          .as("salt length %d", salt).isTrue();
      signature[10] ^= 1;
      assertThat(X509PopSignatures.verifyRsaPss((RSAPublicKey) kp.getPublic(), digest, signature))
          .isFalse();
    }
    byte[] ours = X509PopSignatures.signRsaPss((java.security.interfaces.RSAPrivateKey) kp.getPrivate(),
        digest, random);
    Signature raw = Signature.getInstance("RAWRSASSA-PSS", new BouncyCastleProvider());
    raw.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 222, 1));
    raw.initVerify(kp.getPublic());
    raw.update(digest);
    assertThat(raw.verify(ours)).as("our signer uses Go's salt length (the largest)").isTrue();
  }

  @Test
  void aCertificateFromAnotherCaIsRefusedBeforeAnyChallenge() throws Exception {
    TestPki.Issued otherRoot = TestPki.root("Other Root");
    TestPki.Issued node = TestPki.node("node", TestPki.ec(), otherRoot, List.of());

    assertThatThrownBy(() -> attestor.attest(new X509PopClient(List.of(node.certificate()),
        node.keyPair().getPrivate(), random).payload()))
        .isInstanceOf(AttestationException.class)
        .hasMessageStartingWith("x509pop: certificate verification failed: ")
        .extracting(e -> ((AttestationException) e).reason())
        .isEqualTo(AttestationException.Reason.DENIED);
  }

  @Test
  void aMissingIntermediateOrAnExpiredCertificateIsRefused() throws Exception {
    TestPki.Issued node = TestPki.node("node", TestPki.ec(), intermediate, List.of());
    assertThatThrownBy(() -> attestor.attest(new X509PopClient(List.of(node.certificate()),
        node.keyPair().getPrivate(), random).payload()))
        .hasMessageStartingWith("x509pop: certificate verification failed: ");

    TestPki.Issued shortLived = TestPki.node("node", TestPki.ec(), root, List.of(),
        KeyUsage.digitalSignature, Duration.ofMinutes(30));
    assertThatThrownBy(() -> attestor.attest(new X509PopClient(List.of(shortLived.certificate()),
        shortLived.keyPair().getPrivate(), random).payload()))
        .hasMessageStartingWith("x509pop: certificate verification failed: ");
  }

  @Test
  void aCertificateWithoutDigitalSignatureUsageIsRefused() throws Exception {
    TestPki.Issued node = TestPki.node("node", TestPki.ec(), root, List.of(),
        KeyUsage.keyEncipherment, Duration.ofDays(1));
    assertThatThrownBy(() -> attestor.attest(new X509PopClient(List.of(node.certificate()),
        node.keyPair().getPrivate(), random).payload()))
        .hasMessage("x509pop: certificate not intended for digital signature use");
  }

  @Test
  void aResponseSignedOverAnotherNonceIsRefused() throws Exception {
    TestPki.Issued node = TestPki.node("node", TestPki.ec(), root, List.of());
    X509PopClient client =
        new X509PopClient(List.of(node.certificate()), node.keyPair().getPrivate(), random);
    AttestationStep.Challenge first = (AttestationStep.Challenge) attestor.attest(client.payload());
    AttestationStep.Challenge second = (AttestationStep.Challenge) attestor.attest(client.payload());
    byte[] answerToFirst = client.respond(first.challenge());

    assertThatThrownBy(() -> second.respond(answerToFirst))
        .hasMessage("x509pop: challenge response verification failed: ECDSA signature verify failed")
        .extracting(e -> ((AttestationException) e).reason())
        .isEqualTo(AttestationException.Reason.DENIED);
    assertThat(first.respond(answerToFirst)).isInstanceOf(AttestationStep.Attested.class);
  }

  @Test
  void aSignatureByAnotherKeyIsRefused() throws Exception {
    TestPki.Issued node = TestPki.node("node", TestPki.rsa(), root, List.of());
    X509PopClient impostor =
        new X509PopClient(List.of(node.certificate()), TestPki.rsa().getPrivate(), random);
    AttestationStep.Challenge challenge = (AttestationStep.Challenge) attestor.attest(impostor.payload());

    assertThatThrownBy(() -> challenge.respond(impostor.respond(challenge.challenge())))
        .hasMessage("x509pop: challenge response verification failed: RSA signature verify failed");
  }

  @Test
  void malformedResponsesAreRefusedWithPreciseReasons() throws Exception {
    TestPki.Issued node = TestPki.node("node", TestPki.ec(), root, List.of());
    X509PopClient client =
        new X509PopClient(List.of(node.certificate()), node.keyPair().getPrivate(), random);
    AttestationStep.Challenge challenge = (AttestationStep.Challenge) attestor.attest(client.payload());
    String shortNonce = Base64.getEncoder().encodeToString(new byte[31]);

    assertThatThrownBy(() -> challenge.respond("not json".getBytes(StandardCharsets.UTF_8)))
        .hasMessage("x509pop: unable to unmarshal challenge response: not a JSON object");
    assertThatThrownBy(() -> challenge.respond(
        "{\"rsa_signature\":{\"nonce\":\"\",\"signature\":\"\"}}".getBytes(StandardCharsets.UTF_8)))
        .hasMessage("x509pop: challenge response verification failed: expecting ECDSA response");
    assertThatThrownBy(() -> challenge.respond(("{\"ecdsa_signature\":{\"nonce\":\"" + shortNonce
        + "\",\"r\":\"AQ==\",\"s\":\"AQ==\"}}").getBytes(StandardCharsets.UTF_8)))
        .hasMessage("x509pop: invalid response nonce");
    assertThatThrownBy(() -> challenge.respond(
        "{\"ecdsa_signature\":{\"nonce\":\"!!\",\"r\":\"\",\"s\":\"\"}}".getBytes(StandardCharsets.UTF_8)))
        .hasMessage("x509pop: malformed nonce: invalid base64");
  }

  @Test
  void malformedPayloadsAreRefusedWithPreciseReasons() {
    assertThatThrownBy(() -> attestor.attest("{}".getBytes(StandardCharsets.UTF_8)))
        .hasMessage("x509pop: no certificate to attest");
    assertThatThrownBy(() -> attestor.attest("{\"certificates\":[]}".getBytes(StandardCharsets.UTF_8)))
        .hasMessage("x509pop: no certificate to attest");
    assertThatThrownBy(() -> attestor.attest("[1]".getBytes(StandardCharsets.UTF_8)))
        .hasMessage("x509pop: failed to unmarshal data: not a JSON object");
    assertThatThrownBy(() -> attestor.attest("{\"certificates\":\"x\"}".getBytes(StandardCharsets.UTF_8)))
        .hasMessage("x509pop: failed to unmarshal data: certificates is not an array");
    assertThatThrownBy(() -> attestor.attest("{\"certificates\":[\"AAAA\"]}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageStartingWith("x509pop: unable to parse leaf certificate: ");
    assertThatThrownBy(() -> attestor.attest(new byte[70 * 1024]))
        .hasMessage("x509pop: failed to unmarshal data: document larger than 65536 bytes");
  }

  @Test
  void theChallengeHasSpiresShape() throws Exception {
    TestPki.Issued node = TestPki.node("node", TestPki.rsa(), root, List.of());
    AttestationStep.Challenge challenge = (AttestationStep.Challenge) attestor.attest(
        new X509PopClient(List.of(node.certificate()), node.keyPair().getPrivate(), random).payload());

    Map<String, Object> doc =
        JSONObjectUtils.parse(new String(challenge.challenge(), StandardCharsets.UTF_8));
    assertThat(doc).containsEntry("ecdsa_signature", null).containsKey("rsa_signature");
    @SuppressWarnings("unchecked")
    Map<String, Object> rsa = (Map<String, Object>) doc.get("rsa_signature");
    assertThat(Base64.getDecoder().decode((String) rsa.get("nonce"))).hasSize(32);
  }

  @Test
  void randomBytesOnlyEverFailWithAnAttestationException() throws Exception {
    TestPki.Issued node = TestPki.node("node", TestPki.ec(), root, List.of());
    X509PopClient client =
        new X509PopClient(List.of(node.certificate()), node.keyPair().getPrivate(), random);
    AttestationStep.Challenge challenge = (AttestationStep.Challenge) attestor.attest(client.payload());
    Random fuzz = new Random(7);
    byte[] valid = client.payload();
    for (int i = 0; i < 2_000; i++) {
      byte[] bytes = i % 2 == 0 ? new byte[fuzz.nextInt(400)] : valid.clone();
      if (i % 2 == 0) {
        fuzz.nextBytes(bytes);
      } else {
        bytes[fuzz.nextInt(bytes.length)] = (byte) fuzz.nextInt(256);
      }
      try {
        attestor.attest(bytes);
      } catch (AttestationException expected) {
        // the only acceptable failure
      }
      try {
        challenge.respond(bytes);
      } catch (AttestationException expected) {
        // the only acceptable failure
      }
    }
  }
}
