package io.synid.server.cli.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.api.spire.server.svid.v1.MintJWTSVIDRequest;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MintJwtCommandTest {
  private final CliHarness cli = new CliHarness();

  @TempDir
  Path tmp;

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  @Test
  void printsTheToken() {
    Result r = cli.run("jwt", "mint", "-spiffeID", "spiffe://example.org/w", "-audience", "a", "-audience", "b",
        "-ttl", "5m");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+\n");
    assertThat(r.err()).isEmpty();
    assertThat(cli.svids.requests(MintJWTSVIDRequest.class)).containsExactly(MintJWTSVIDRequest.newBuilder()
        .setId(SPIFFEID.newBuilder().setTrustDomain("example.org").setPath("/w"))
        .addAudience("a").addAudience("b").setTtl(300).build());
  }

  @Test
  void jsonIsTheResponse() {
    Result r = cli.run("jwt", "mint", "-spiffeID", "spiffe://example.org/w", "-audience", "a", "-output", "json");

    assertThat(r.out()).startsWith("{\"svid\":{\"expires_at\":\"1704070800\",\"hint\":\"\",\"id\":{\"path\":\"/w\",")
        .contains("\"token\":\"ey");
  }

  @Test
  void writesTheTokenPrivately() throws Exception {
    Path file = tmp.resolve("token");

    Result r = cli.run("jwt", "mint", "-spiffeID", "spiffe://example.org/w", "-audience", "a", "-write", file.toString());

    assertThat(r.out()).isEqualTo("JWT-SVID written to " + file + "\n");
    assertThat(Files.readString(file)).matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
  }

  @Test
  void warnsWhenCapped() {
    cli.svids.maxTtlSeconds = 60;

    Result r = cli.run("jwt", "mint", "-spiffeID", "spiffe://example.org/w", "-audience", "a", "-ttl", "2m");

    assertThat(r.exit()).isZero();
    assertThat(r.err()).isEqualTo("JWT-SVID lifetime was capped shorter than specified ttl; expires \"2024-01-01T00:01:00Z\"\n");
  }

  @Test
  void errors() {
    assertThat(cli.run("jwt", "mint", "-audience", "a").err()).isEqualTo("Error: spiffeID must be specified\n");
    assertThat(cli.run("jwt", "mint", "-spiffeID", "spiffe://example.org/w").err())
        .isEqualTo("Error: at least one audience must be specified\n");
    assertThat(cli.run("jwt", "mint", "-spiffeID", "spiffe://example.org/w/", "-audience", "a").err())
        .isEqualTo("Error: path cannot have a trailing slash\n");
    assertThat(cli.svids.requests).isEmpty();
  }
}
