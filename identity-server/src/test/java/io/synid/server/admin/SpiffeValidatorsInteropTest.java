package io.synid.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import io.synid.api.spire.server.svid.v1.MintJWTSVIDRequest;
import io.synid.api.spire.server.svid.v1.MintX509SVIDRequest;
import io.synid.api.spire.server.svid.v1.SVIDGrpc;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.core.bundle.BundleJson;
import io.synid.core.bundle.BundlePem;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.x509.Csr;
import io.synid.core.x509.KeyType;
import io.synid.core.x509.Pem;
import io.synid.server.IdentityServer;
import io.synid.server.TestServers;
import io.synid.server.datastore.DatastoreConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SVIDs and bundles served by the identity server pass two independent SPIFFE validators:
 * java-spiffe in this JVM and go-spiffe in a separate program ({@code interop/go-validator}, built
 * by {@code scripts/test.sh} and passed as {@code -Dsynid.goValidator}).
 */
class SpiffeValidatorsInteropTest {
  @TempDir Path tmp;

  record Minted(List<X509Certificate> chain, String jwt, String bundleJson, String bundlePem, String jwks) {}

  private Minted mint(IdentityServer server) throws Exception {
    ManagedChannel channel = TestServers.channel(server.settings().adminSocket());
    try {
      var svid = SVIDGrpc.newBlockingStub(channel);
      var keys = KeyType.EC_P256.generate();
      var x509 = svid.mintX509SVID(MintX509SVIDRequest.newBuilder().setCsr(ByteString.copyFrom(
          Csr.create(keys, SpiffeId.parse("spiffe://example.org/payments/api")))).setTtl(600).build());
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      List<X509Certificate> chain = new ArrayList<>();
      for (ByteString der : x509.getSvid().getCertChainList()) {
        chain.add((X509Certificate) cf.generateCertificate(der.newInput()));
      }
      String jwt = svid.mintJWTSVID(MintJWTSVIDRequest.newBuilder().setId(SPIFFEID.newBuilder()
          .setTrustDomain("example.org").setPath("/payments/api")).addAudience("orders").build()).getSvid().getToken();
      var bundle = server.ca().bundle();
      Files.writeString(tmp.resolve("key.pem"), Pem.encodePrivateKey(keys.getPrivate()));
      return new Minted(chain, jwt, BundleJson.encode(bundle), BundlePem.encode(bundle.x509Authorities()),
          BundleJson.encodeJwks(bundle.jwtAuthorities()));
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void javaSpiffeValidatesServerSvidsAndBundles() throws Exception {
    try (IdentityServer server = TestServers.start(tmp, DatastoreConfig.Kind.SQLITE)) {
      Minted m = mint(server);
      var td = io.spiffe.spiffeid.TrustDomain.parse("example.org");
      // java-spiffe 0.8 parses X.509 bundles from PEM/DER and JWT bundles from JWKS JSON.
      X509Bundle x509Bundle = X509Bundle.parse(td, m.bundlePem().getBytes(StandardCharsets.UTF_8));
      // java-spiffe's JWKS parser wants a kid on every key, so it gets the plain JWKS of the
      // JWT authorities (what the Workload API serves), not the x509-svid keys of the bundle.
      JwtBundle jwtBundle = JwtBundle.parse(td, m.jwks().getBytes(StandardCharsets.UTF_8));
      X509Svid svid = X509Svid.parse(Pem.encodeCertificates(m.chain()).getBytes(StandardCharsets.UTF_8),
          Files.readAllBytes(tmp.resolve("key.pem")));
      assertThat(svid.getSpiffeId().toString()).isEqualTo("spiffe://example.org/payments/api");
      X509SvidValidator.verifyChain(m.chain(), x509Bundle);
      JwtSvid jwt = JwtSvid.parseAndValidate(m.jwt(), jwtBundle, Set.of("orders"));
      assertThat(jwt.getSpiffeId().toString()).isEqualTo("spiffe://example.org/payments/api");
      assertThat(x509Bundle.getX509Authorities()).hasSize(1);
      assertThat(jwtBundle.getJwtAuthorities()).hasSize(1);
    }
  }

  @Test
  void goSpiffeValidatesServerSvidsAndBundles() throws Exception {
    try (IdentityServer server = TestServers.start(tmp, DatastoreConfig.Kind.SQLITE)) {
      Minted m = mint(server);
      Path bundle = write("bundle.json", m.bundleJson());
      Path chain = write("svid.pem", Pem.encodeCertificates(m.chain()));
      Path token = write("jwt.token", m.jwt());
      assertThat(go("bundle", "-td", "example.org", "-bundle", bundle.toString()))
          .contains("\"trust_domain\":\"example.org\"", "\"x509_authorities\":1", "\"jwt_authorities\":1",
              "\"refresh_hint_seconds\":300");
      assertThat(go("x509", "-bundle", bundle.toString(), "-td", "example.org", "-svid", chain.toString()))
          .contains("\"spiffe_id\":\"spiffe://example.org/payments/api\"");
      assertThat(go("x509", "-bundle", write("bundle.pem", m.bundlePem()).toString(), "-bundle-format", "pem",
          "-td", "example.org", "-svid", chain.toString())).contains("spiffe://example.org/payments/api");
      assertThat(go("jwt", "-bundle", bundle.toString(), "-td", "example.org", "-token", token.toString(),
          "-audience", "orders")).contains("\"audience\":[\"orders\"]");
    }
  }

  private Path write(String name, String content) throws Exception {
    Path p = tmp.resolve(name);
    Files.writeString(p, content);
    return p;
  }

  /** Runs the go-spiffe validator and returns its JSON line; a non-zero exit fails the test. */
  static String go(String... args) throws Exception {
    String binary = System.getProperty("synid.goValidator", "");
    if (binary.isEmpty() || !Files.isExecutable(Path.of(binary))) {
      throw new IllegalStateException("the go-spiffe validator is missing: pass -Dsynid.goValidator=<path>"
          + " (scripts/test.sh builds it with scripts/build-go-validator.sh)");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(binary);
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("go-validator %s: %s", String.join(" ", args), out).isZero();
    return out;
  }
}
