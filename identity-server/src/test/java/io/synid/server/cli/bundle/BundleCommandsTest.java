package io.synid.server.cli.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.synid.api.spire.server.bundle.v1.BatchDeleteFederatedBundleRequest.Mode;
import io.synid.api.spire.server.bundle.v1.BatchDeleteFederatedBundleRequest;
import io.synid.api.spire.server.bundle.v1.BatchSetFederatedBundleRequest;
import io.synid.api.spire.server.bundle.v1.GetFederatedBundleRequest;
import io.synid.api.spire.types.Bundle;
import io.synid.api.spire.types.JWTKey;
import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import io.synid.server.cli.Pem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BundleCommandsTest {
  private final CliHarness cli = new CliHarness();

  @TempDir
  Path tmp;

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  private byte[] caDer() throws Exception {
    return cli.svids.caCertificate.getEncoded();
  }

  private String caPem() throws Exception {
    return Pem.encode("CERTIFICATE", caDer());
  }

  @Test
  void showPrintsTheRootsAsPem() throws Exception {
    Result r = cli.run("bundle", "show");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo(caPem());
  }

  @Test
  void showSpiffeFormatIsTheBundleDocument() throws Exception {
    byte[] der = caDer();
    cli.bundles.own = cli.bundles.own.toBuilder().setSequenceNumber(3).setRefreshHint(300).build();
    java.security.interfaces.ECPublicKey key =
        (java.security.interfaces.ECPublicKey) cli.svids.caCertificate.getPublicKey();
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();

    Result r = cli.run("bundle", "show", "-format", "SPIFFE");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("{\n"
        + "    \"keys\": [\n"
        + "        {\n"
        + "            \"use\": \"x509-svid\",\n"
        + "            \"kty\": \"EC\",\n"
        + "            \"crv\": \"P-256\",\n"
        + "            \"x\": \"" + url.encodeToString(fixed(key.getW().getAffineX().toByteArray())) + "\",\n"
        + "            \"y\": \"" + url.encodeToString(fixed(key.getW().getAffineY().toByteArray())) + "\",\n"
        + "            \"x5c\": [\n"
        + "                \"" + Base64.getEncoder().encodeToString(der) + "\"\n"
        + "            ]\n"
        + "        }\n"
        + "    ],\n"
        + "    \"spiffe_sequence\": 3,\n"
        + "    \"spiffe_refresh_hint\": 300\n"
        + "}\n");
  }

  private static byte[] fixed(byte[] bigEndian) {
    byte[] out = new byte[32];
    int copy = Math.min(32, bigEndian.length);
    System.arraycopy(bigEndian, bigEndian.length - copy, out, 32 - copy, copy);
    return out;
  }

  @Test
  void spiffeFormatRoundTripsThroughSetIncludingJwtKeys() throws Exception {
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new ECGenParameterSpec("secp384r1"));
    KeyPair p384 = ec.generateKeyPair();
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    KeyPair rsaKey = rsa.generateKeyPair();
    KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    cli.bundles.own = cli.bundles.own.toBuilder()
        .addJwtAuthorities(JWTKey.newBuilder().setKeyId("ec").setPublicKey(ByteString.copyFrom(p384.getPublic().getEncoded())))
        .addJwtAuthorities(JWTKey.newBuilder().setKeyId("rsa").setPublicKey(ByteString.copyFrom(rsaKey.getPublic().getEncoded())))
        .addJwtAuthorities(JWTKey.newBuilder().setKeyId("ed").setPublicKey(ByteString.copyFrom(ed.getPublic().getEncoded())))
        .setSequenceNumber(9)
        .build();
    String document = cli.run("bundle", "show", "-format", "spiffe").out();
    assertThat(document).contains("\"kty\": \"RSA\",\n            \"kid\": \"rsa\",\n            \"n\": ",
        "\"e\": \"AQAB\"", "\"kty\": \"OKP\",\n            \"kid\": \"ed\",\n            \"crv\": \"Ed25519\"",
        "\"crv\": \"P-384\"");
    Path file = tmp.resolve("bundle.json");
    Files.writeString(file, document);

    Result r = cli.run("bundle", "set", "-id", "spiffe://partner.org", "-path", file.toString(), "-format", "spiffe");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("bundle set.\n");
    Bundle sent = cli.bundles.requests(BatchSetFederatedBundleRequest.class).get(0).getBundle(0);
    assertThat(sent).isEqualTo(cli.bundles.own.toBuilder().setTrustDomain("partner.org").build());
  }

  @Test
  void setPemFromStdinKeepsTheIdAsGiven() throws Exception {
    cli.stdin = caPem().getBytes(StandardCharsets.US_ASCII);

    Result r = cli.run("bundle", "set", "-id", "spiffe://partner.org");

    assertThat(r.exit()).as(r.err()).isZero();
    Bundle sent = cli.bundles.requests(BatchSetFederatedBundleRequest.class).get(0).getBundle(0);
    assertThat(sent.getTrustDomain()).isEqualTo("spiffe://partner.org");
    assertThat(sent.getX509Authorities(0).getAsn1().toByteArray()).isEqualTo(caDer());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "-path=x|id flag is required",
      "-id=spiffe://p.org -format=der|invalid format: \"der\"",
      "-id=spiffe://p.org -path=/nonexistent/b.pem|unable to load bundle data: open /nonexistent/b.pem: no such file or directory",
      "-id=spiffe://p.org -path=@EMPTY|unable to parse bundle data: no PEM blocks",
      "-id=spiffe://p.org -path=@KEY|unable to parse bundle data: expected block type \"CERTIFICATE\"; got \"PRIVATE KEY\"",
      "-id=spiffe://p.org -path=@EMPTY -format=spiffe|unable to parse to spiffe bundle: spiffebundle: unable to parse JWKS: unexpected end of JSON input",
      "-id=spiffe://p.org -path=@NOKEYS -format=spiffe|unable to parse to spiffe bundle: spiffebundle: no authorities found",
      "-id=spiffe://p.org -path=@NOKID -format=spiffe|unable to parse to spiffe bundle: spiffebundle: error adding authority 0 of JWKS: keyID cannot be empty",
      "-id=spiffe://p.org -path=@NOX5C -format=spiffe|unable to parse to spiffe bundle: spiffebundle: expected a single certificate in x509-svid entry 0; got 0",
      "-id=bad/td -path=@NOKEYS -format=spiffe|trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores",
  })
  void setErrors(String flags, String message) throws Exception {
    Files.writeString(tmp.resolve("EMPTY"), "");
    Files.writeString(tmp.resolve("KEY"), Pem.encode("PRIVATE KEY", new byte[] {1}));
    Files.writeString(tmp.resolve("NOKEYS"), "{\"spiffe_sequence\": 1}");
    Files.writeString(tmp.resolve("NOKID"), "{\"keys\": [{\"use\": \"jwt-svid\", \"kty\": \"EC\", \"crv\": \"P-256\","
        + " \"x\": \"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\", \"y\": \"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}");
    Files.writeString(tmp.resolve("NOX5C"), "{\"keys\": [{\"use\": \"x509-svid\", \"kty\": \"EC\", \"crv\": \"P-256\","
        + " \"x\": \"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\", \"y\": \"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}");
    String[] args = ("bundle set " + flags.replace("@", tmp + "/")).split(" ");

    Result r = cli.run(args);

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: " + message + "\n");
    assertThat(cli.bundles.requests).isEmpty();
  }

  @Test
  void setRefusedByTheServer() throws Exception {
    cli.stdin = caPem().getBytes(StandardCharsets.US_ASCII);

    Result r = cli.run("bundle", "set", "-id", "example.org");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: failed to set federated bundle: failed to set bundle: "
        + "bundle trust domain cannot be the server trust domain\n");
    cli.bundles.failWith(Status.UNAVAILABLE.withDescription("down"));
    assertThat(cli.run("bundle", "set", "-id", "p.org").err())
        .isEqualTo("Error: failed to set federated bundle: rpc error: code = Unavailable desc = down\n");
  }

  @Test
  void listPrintsEachFederatedBundleUnderABannerAndReadsEveryPage() throws Exception {
    Bundle b = Bundle.newBuilder().addX509Authorities(cli.bundles.own.getX509Authorities(0)).build();
    cli.bundles.federated.put("a.org", b.toBuilder().setTrustDomain("a.org").build());
    cli.bundles.federated.put("b.org", b.toBuilder().setTrustDomain("b.org").build());
    cli.bundles.pageSize = 1;

    Result r = cli.run("bundle", "list");

    assertThat(r.exit()).isZero();
    String banner = "****************************************\n";
    assertThat(r.out()).isEqualTo(banner + "* a.org\n" + banner + caPem() + "\n" + banner + "* b.org\n" + banner + caPem());
    assertThat(cli.run("bundle", "list", "-output", "json").out())
        .startsWith("{\"bundles\":[{\"jwt_authorities\":[],").contains("\"trust_domain\":\"b.org\"")
        .endsWith("\"next_page_token\":\"\"}\n");
  }

  @Test
  void listOneBundleById() throws Exception {
    cli.bundles.federated.put("a.org", Bundle.newBuilder().setTrustDomain("a.org")
        .addX509Authorities(cli.bundles.own.getX509Authorities(0)).build());

    Result r = cli.run("bundle", "list", "-id", "spiffe://a.org");

    assertThat(r.out()).isEqualTo(caPem());
    assertThat(cli.bundles.requests(GetFederatedBundleRequest.class).get(0).getTrustDomain()).isEqualTo("spiffe://a.org");
    Result missing = cli.run("bundle", "list", "-id", "spiffe://none.org");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).isEqualTo("Error: rpc error: code = NotFound desc = bundle not found\n");
  }

  @ParameterizedTest
  @CsvSource({"'', RESTRICT", "restrict, RESTRICT", "delete, DELETE", "dissociate, DISSOCIATE"})
  void deleteModes(String mode, Mode expected) {
    cli.bundles.federated.put("a.org", Bundle.newBuilder().setTrustDomain("a.org").build());

    Result r = cli.run("bundle", "delete", "-id", "spiffe://a.org", "-mode", mode);

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("bundle deleted.\n");
    assertThat(cli.bundles.requests(BatchDeleteFederatedBundleRequest.class)).containsExactly(
        BatchDeleteFederatedBundleRequest.newBuilder().addTrustDomains("spiffe://a.org").setMode(expected).build());
  }

  @Test
  void deleteErrors() {
    assertThat(cli.run("bundle", "delete").err()).isEqualTo("Error: id is required\n");
    assertThat(cli.run("bundle", "delete", "-id", "a.org", "-mode", "purge").err())
        .isEqualTo("Error: unsupported mode \"purge\"\n");
    Result missing = cli.run("bundle", "delete", "-id", "spiffe://none.org");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).isEqualTo("Error: failed to delete federated bundle \"none.org\": no such bundle\n");
    assertThat(cli.run("bundle", "delete", "-id", "spiffe://none.org", "-output", "json").out()).isEqualTo(
        "{\"results\":[{\"status\":{\"code\":5,\"message\":\"no such bundle\"},\"trust_domain\":\"none.org\"}]}\n");
  }

  @Test
  void count() {
    assertThat(cli.run("bundle", "count").out()).isEqualTo("1 bundle\n");
    cli.bundles.federated.put("a.org", Bundle.newBuilder().setTrustDomain("a.org").build());
    assertThat(cli.run("bundle", "count").out()).isEqualTo("2 bundles\n");
  }
}
