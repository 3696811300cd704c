package io.synid.server.cli.x509;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synid.api.spire.server.svid.v1.MintX509SVIDRequest;
import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import io.synid.server.cli.Pem;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MintX509CommandTest {
  private final CliHarness cli = new CliHarness();

  @TempDir
  Path tmp;

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  @Test
  void sendsACsrNamingOnlyTheSpiffeIdAndDnsNames() throws Exception {
    Result r = cli.run("x509", "mint", "-spiffeID", "spiffe://example.org/w", "-dns", "w.example.org",
        "-ttl", "90m");

    assertThat(r.exit()).as(r.err()).isZero();
    MintX509SVIDRequest request = cli.svids.requests(MintX509SVIDRequest.class).get(0);
    assertThat(request.getTtl()).isEqualTo(5400);
    PKCS10CertificationRequest csr = new PKCS10CertificationRequest(request.getCsr().toByteArray());
    assertThat(csr.getSubject().getRDNs()).isEmpty();
    Extensions extensions = Extensions.getInstance(csr
        .getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0].getAttrValues().getObjectAt(0));
    List<String> names = new ArrayList<>();
    for (GeneralName n : GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName).getNames()) {
      names.add(n.getTagNo() + "=" + n.getName());
    }
    assertThat(names).containsExactly("2=w.example.org", "6=spiffe://example.org/w");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void printsTheSvidTheKeyAndTheRootsAsPem() throws Exception {
    Result r = cli.run("x509", "mint", "-spiffeID", "spiffe://example.org/w");

    assertThat(r.exit()).isZero();
    String[] parts = r.out().split("\n\n");
    assertThat(parts).hasSize(3);
    assertThat(parts[0]).startsWith("X509-SVID:\n-----BEGIN CERTIFICATE-----\n");
    assertThat(parts[1]).startsWith("Private key:\n-----BEGIN PRIVATE KEY-----\n");
    assertThat(parts[2]).isEqualTo("Root CAs:\n" + Pem.encode("CERTIFICATE", cli.svids.caCertificate.getEncoded()).stripTrailing());
    X509Certificate svid = certificate(Pem.decode(parts[0].getBytes(StandardCharsets.US_ASCII)).get(0).bytes());
    PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
        Pem.decode(parts[1].getBytes(StandardCharsets.US_ASCII)).get(0).bytes()));
    assertThat(matches(key, svid)).isTrue();
  }

  @Test
  void jsonIsSpiresStructWithBase64Der() throws Exception {
    Result r = cli.run("x509", "mint", "-spiffeID", "spiffe://example.org/w", "-output", "json");

    assertThat(r.out()).startsWith("{\"x509_svid\":[\"").contains("],\"private_key\":\"", "\",\"root_cas\":[\"");
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(Base64.getDecoder().decode(json.get("root_cas").get(0).asText()))
        .isEqualTo(cli.svids.caCertificate.getEncoded());
  }

  @Test
  void writesFilesWithTheirModes() throws Exception {
    Result r = cli.run("x509", "mint", "-spiffeID", "spiffe://example.org/w", "-write", tmp.toString());

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("X509-SVID written to " + tmp.resolve("svid.pem") + "\n"
        + "Private key written to " + tmp.resolve("key.pem") + "\n"
        + "Root CAs written to " + tmp.resolve("bundle.pem") + "\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("key.pem")))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("svid.pem")))).isEqualTo("rw-r--r--");
    assertThat(Files.readString(tmp.resolve("bundle.pem")))
        .isEqualTo(Pem.encode("CERTIFICATE", cli.svids.caCertificate.getEncoded()));
    try (var files = Files.list(tmp)) {
      assertThat(files).hasSize(3);
    }
  }

  @Test
  void warnsWhenTheServerCappedTheLifetime() {
    cli.svids.maxTtlSeconds = 600;

    Result r = cli.run("x509", "mint", "-spiffeID", "spiffe://example.org/w", "-ttl", "1h");

    assertThat(r.exit()).isZero();
    assertThat(r.err()).isEqualTo(
        "X509-SVID lifetime was capped shorter than specified ttl; expires \"2024-01-01T00:10:00Z\"\n");
  }

  @Test
  void errors() {
    assertThat(cli.run("x509", "mint").err()).isEqualTo("Error: spiffeID must be specified\n");
    assertThat(cli.run("x509", "mint", "-spiffeID", "spiffe://example.org/w", "-ttl", "300").err())
        .startsWith("Error: Invalid value for option '-ttl': time: missing unit in duration \"300\"\n");
    assertThat(cli.svids.requests).isEmpty();
    cli.bundles.own = cli.bundles.own.toBuilder().clearX509Authorities().build();
    assertThat(cli.run("x509", "mint", "-spiffeID", "spiffe://example.org/w").err())
        .isEqualTo("Error: server response missing X509 Authorities\n");
  }

  private static X509Certificate certificate(byte[] der) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  private static boolean matches(PrivateKey key, X509Certificate cert) throws Exception {
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(key);
    signer.update(new byte[] {1, 2, 3});
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(cert.getPublicKey());
    verifier.update(new byte[] {1, 2, 3});
    return verifier.verify(signature);
  }
}
