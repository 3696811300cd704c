package io.synid.server.cli.federation;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.api.spire.server.trustdomain.v1.BatchCreateFederationRelationshipRequest;
import io.synid.api.spire.server.trustdomain.v1.BatchUpdateFederationRelationshipRequest;
import io.synid.api.spire.server.trustdomain.v1.RefreshBundleRequest;
import io.synid.api.spire.types.FederationRelationship;
import io.synid.api.spire.types.HTTPSSPIFFEProfile;
import io.synid.api.spire.types.HTTPSWebProfile;
import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import io.synid.server.cli.Pem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FederationCommandsTest {
  private final CliHarness cli = new CliHarness();

  @TempDir
  Path tmp;

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  private String caPem() throws Exception {
    return Pem.encode("CERTIFICATE", cli.svids.caCertificate.getEncoded());
  }

  @Test
  void createFromFlagsWithABundleFile() throws Exception {
    Path bundle = tmp.resolve("bundle.pem");
    Files.writeString(bundle, caPem());

    Result r = cli.run("federation", "create", "-trustDomain", "partner.org",
        "-bundleEndpointURL", "https://partner.org:8443", "-bundleEndpointProfile", "https_spiffe",
        "-endpointSpiffeID", "spiffe://partner.org/spire/server", "-trustDomainBundlePath", bundle.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("""

        Trust domain              : partner.org
        Bundle endpoint URL       : https://partner.org:8443
        Bundle endpoint profile   : https_spiffe
        Endpoint SPIFFE ID        : spiffe://partner.org/spire/server
        """);
    FederationRelationship sent = cli.trustDomains.requests(BatchCreateFederationRelationshipRequest.class).get(0)
        .getFederationRelationships(0);
    assertThat(sent.getHttpsSpiffe()).isEqualTo(
        HTTPSSPIFFEProfile.newBuilder().setEndpointSpiffeId("spiffe://partner.org/spire/server").build());
    assertThat(sent.getTrustDomainBundle().getTrustDomain()).isEqualTo("partner.org");
    assertThat(sent.getTrustDomainBundle().getX509Authorities(0).getAsn1().toByteArray())
        .isEqualTo(cli.svids.caCertificate.getEncoded());
  }

  @Test
  void createFromADataFileReportsEachRelationship() throws Exception {
    String document = cli.run("bundle", "show", "-format", "spiffe").out();
    cli.stdin = ("{\"federationRelationships\": ["
        + "{\"trustDomain\": \"a.org\", \"bundleEndpointURL\": \"https://a.org\", \"bundleEndpointProfile\": \"https_web\","
        + " \"trustDomainBundle\": " + com.fasterxml.jackson.databind.node.TextNode.valueOf(caPem()) + ", \"trustDomainBundleFormat\": \"pem\"},"
        + "{\"TRUSTDOMAIN\": \"b.org\", \"bundleEndpointURL\": \"https://b.org\", \"bundleEndpointProfile\": \"https_spiffe\","
        + " \"endpointSPIFFEID\": \"spiffe://b.org/spire/server\", \"trustDomainBundle\": " + document
        + ", \"trustDomainBundleFormat\": \"spiffe\"},"
        + "{\"trustDomain\": \"example.org\", \"bundleEndpointURL\": \"https://c.org\", \"bundleEndpointProfile\": \"https_web\"}"
        + "]}").getBytes(StandardCharsets.UTF_8);

    Result r = cli.run("federation", "create", "-data", "-");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEqualTo("""

        Trust domain              : a.org
        Bundle endpoint URL       : https://a.org
        Bundle endpoint profile   : https_web

        Trust domain              : b.org
        Bundle endpoint URL       : https://b.org
        Bundle endpoint profile   : https_spiffe
        Endpoint SPIFFE ID        : spiffe://b.org/spire/server

        """);
    assertThat(r.err()).isEqualTo("""
        Failed to create the following federation relationship (code: InvalidArgument, msg: "unable to create federation relationship for server trust domain"):
        Trust domain              : example.org
        Bundle endpoint URL       : https://c.org
        Bundle endpoint profile   : https_web
        Error: failed to create one or more federation relationships
        """);
    assertThat(cli.trustDomains.relationships.get("b.org").getTrustDomainBundle().getTrustDomain()).isEqualTo("b.org");
    assertThat(cli.trustDomains.relationships.get("a.org").getHttpsWeb()).isEqualTo(HTTPSWebProfile.getDefaultInstance());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "-bundleEndpointURL https://x|trust domain is required",
      "-trustDomain t.org|bundle endpoint URL is required",
      "-trustDomain t.org -bundleEndpointURL https://x|unknown bundle endpoint profile type: \"\"",
      "-trustDomain t.org -bundleEndpointURL https://x -bundleEndpointProfile https_spiffe|endpoint SPIFFE ID is required if 'https_spiffe' endpoint profile is set",
      "-trustDomain t.org -bundleEndpointURL https://x -bundleEndpointProfile https_spiffe -endpointSpiffeID bad|cannot parse bundle endpoint SPIFFE ID: scheme is missing or invalid",
      "-trustDomain t.org -bundleEndpointURL https://x -bundleEndpointProfile https_web -trustDomainBundlePath /nonexistent|cannot read bundle file: open /nonexistent: no such file or directory",
      "-data x.json -trustDomain t.org|cannot use other flags to specify relationship fields when 'data' flag is set",
  })
  void createValidation(String flags, String message) {
    Result r = cli.run(("federation create " + flags).split(" "));

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: " + message + "\n");
    assertThat(cli.trustDomains.requests).isEmpty();
  }

  @Test
  void dataFileErrorsNameTheItem() throws Exception {
    cli.stdin = ("{\"federationRelationships\": [{\"trustDomain\": \"a.org\", \"bundleEndpointURL\": \"https://a.org\","
        + " \"bundleEndpointProfile\": \"https_web\", \"trustDomainBundle\": \"pem\"}]}").getBytes(StandardCharsets.UTF_8);

    assertThat(cli.run("federation", "create", "-data", "-").err()).isEqualTo(
        "Error: could not parse item 0: cannot parse bundle raw message: bundle format \"\" is unsupported\n");
    cli.stdin = "[".getBytes(StandardCharsets.UTF_8);
    assertThat(cli.run("federation", "create", "-data", "-").err())
        .isEqualTo("Error: failed to parse JSON: unexpected end of JSON input\n");
  }

  @Test
  void updateListShowDeleteRefresh() {
    FederationRelationship fr = FederationRelationship.newBuilder().setTrustDomain("a.org")
        .setBundleEndpointUrl("https://a.org").setHttpsWeb(HTTPSWebProfile.getDefaultInstance()).build();
    cli.trustDomains.relationships.put("a.org", fr);

    Result update = cli.run("federation", "update", "-trustDomain", "a.org", "-bundleEndpointURL", "https://a2.org",
        "-bundleEndpointProfile", "https_web");
    assertThat(update.exit()).isZero();
    assertThat(cli.trustDomains.requests(BatchUpdateFederationRelationshipRequest.class)).hasSize(1);
    assertThat(cli.run("federation", "update", "-trustDomain", "z.org", "-bundleEndpointURL", "https://z.org",
        "-bundleEndpointProfile", "https_web").err()).startsWith(
        "Failed to update the following federation relationship (code: NotFound, msg: \"unable to update federation relationship: not found\"):\n");

    assertThat(cli.run("federation", "list").out()).isEqualTo("""
        Found 1 federation relationship

        Trust domain              : a.org
        Bundle endpoint URL       : https://a2.org
        Bundle endpoint profile   : https_web
        """);
    assertThat(cli.run("federation", "list", "-output", "json").out()).isEqualTo(
        "{\"federation_relationships\":[{\"bundle_endpoint_url\":\"https://a2.org\",\"https_web\":{},"
            + "\"trust_domain\":\"a.org\"}],\"next_page_token\":\"\"}\n");
    assertThat(cli.run("federation", "show", "-trustDomain", "a.org").out()).isEqualTo("""
        Found a federation relationship with trust domain a.org:

        Trust domain              : a.org
        Bundle endpoint URL       : https://a2.org
        Bundle endpoint profile   : https_web
        """);
    assertThat(cli.run("federation", "show").err()).isEqualTo("Error: a trust domain name is required\n");
    assertThat(cli.run("federation", "show", "-trustDomain", "z.org").err()).isEqualTo(
        "Error: error showing federation relationship: rpc error: code = NotFound desc = federation relationship does not exist\n");

    assertThat(cli.run("federation", "refresh", "-id", "a.org").out()).isEqualTo("Bundle refreshed\n");
    assertThat(cli.run("federation", "refresh", "-id", "a.org", "-output", "json").out())
        .isEqualTo("{\"code\":0,\"message\":\"OK\"}\n");
    assertThat(cli.trustDomains.requests(RefreshBundleRequest.class)).hasSize(2);
    assertThat(cli.run("federation", "refresh", "-id", "z.org").err())
        .isEqualTo("Error: there is no federation relationship with trust domain \"z.org\"\n");
    assertThat(cli.run("federation", "refresh").err()).isEqualTo("Error: id is required\n");

    assertThat(cli.run("federation", "delete", "-id", "a.org").out()).isEqualTo("federation relationship deleted.\n");
    assertThat(cli.run("federation", "delete", "-id", "a.org").err())
        .isEqualTo("Error: failed to delete federation relationship \"a.org\": federation relationship not found\n");
    assertThat(cli.run("federation", "delete").err()).isEqualTo("Error: id is required\n");
  }
}
