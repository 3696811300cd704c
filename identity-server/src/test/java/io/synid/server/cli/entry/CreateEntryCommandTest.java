package io.synid.server.cli.entry;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.Selector;
import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CreateEntryCommandTest {
  private final CliHarness cli = new CliHarness();

  @TempDir
  Path tmp;

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  static SPIFFEID id(String td, String path) {
    return SPIFFEID.newBuilder().setTrustDomain(td).setPath(path).build();
  }

  static Selector selector(String type, String value) {
    return Selector.newBuilder().setType(type).setValue(value).build();
  }

  @Test
  void everyFlagMapsToTheRequestAndTheEntryPrintsLikeSpire() {
    Result r = cli.run("entry", "create",
        "-entryID", "entry-id",
        "-spiffeID", "spiffe://example.org/workload",
        "-parentID", "spiffe://example.org/parent",
        "-selector", "zebra:zebra:2000",
        "-selector", "alpha:alpha:2000",
        "-x509SVIDTTL", "60",
        "-jwtSVIDTTL", "30",
        "-federatesWith", "spiffe://domaina.test",
        "-federatesWith", "spiffe://domainb.test",
        "-admin",
        "-entryExpiry", "1552410266",
        "-dns", "unu1000",
        "-dns", "ung1000",
        "-downstream",
        "-storeSVID",
        "-hint", "internal",
        "-jwtSVIDIncludeJTI");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(cli.entries.requests(BatchCreateEntryRequest.class)).containsExactly(
        BatchCreateEntryRequest.newBuilder().addEntries(Entry.newBuilder()
            .setId("entry-id")
            .setSpiffeId(id("example.org", "/workload"))
            .setParentId(id("example.org", "/parent"))
            .addSelectors(selector("zebra", "zebra:2000"))
            .addSelectors(selector("alpha", "alpha:2000"))
            .setX509SvidTtl(60)
            .setJwtSvidTtl(30)
            .addFederatesWith("spiffe://domaina.test")
            .addFederatesWith("spiffe://domainb.test")
            .setAdmin(true)
            .setExpiresAt(1552410266)
            .addDnsNames("unu1000")
            .addDnsNames("ung1000")
            .setDownstream(true)
            .setStoreSvid(true)
            .setHint("internal")
            .setAdditionalAttributes(Entry.AdditionalAttributes.newBuilder().setJwtSvidIncludeJti(true)))
            .build());
    assertThat(r.out()).isEqualTo("""
        Entry ID                : entry-id
        SPIFFE ID               : spiffe://example.org/workload
        Parent ID               : spiffe://example.org/parent
        Revision                : 0
        Downstream              : true
        X509-SVID TTL           : 60
        JWT-SVID TTL            : 30
        Expiration time         : 2019-03-12 17:04:26 +0000 UTC
        Selector                : zebra:zebra:2000
        Selector                : alpha:alpha:2000
        FederatesWith           : spiffe://domaina.test
        FederatesWith           : spiffe://domainb.test
        DNS name                : unu1000
        DNS name                : ung1000
        Admin                   : true
        StoreSvid               : true
        Hint                    : internal
        JwtSvidIncludeJti       : true

        """);
    assertThat(r.err()).isEmpty();
  }

  @Test
  void minimalEntryPrintsDefaultsAndNoRareFields() {
    Result r = cli.run("entry", "create", "-spiffeID", "spiffe://example.org/w",
        "-parentID", "spiffe://example.org/agent", "-selector", "unix:uid:1000");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("""
        Entry ID                : id-1
        SPIFFE ID               : spiffe://example.org/w
        Parent ID               : spiffe://example.org/agent
        Revision                : 0
        X509-SVID TTL           : default
        JWT-SVID TTL            : default
        Selector                : unix:uid:1000

        """);
    Entry sent = cli.entries.requests(BatchCreateEntryRequest.class).get(0).getEntries(0);
    assertThat(sent.hasAdditionalAttributes()).isFalse();
    assertThat(sent.getId()).isEmpty();
  }

  @Test
  void nodeFlagMakesTheServerOfTheSpiffeIdsTrustDomainTheParent() {
    Result r = cli.run("entry", "create", "-node", "-spiffeID", "spiffe://other.org/nodes/linux",
        "-selector", "x509pop:subject:cn:node");

    assertThat(r.exit()).isZero();
    Entry sent = cli.entries.requests(BatchCreateEntryRequest.class).get(0).getEntries(0);
    assertThat(sent.getParentId()).isEqualTo(id("other.org", "/spire/server"));
    assertThat(sent.getSelectors(0)).isEqualTo(selector("x509pop", "subject:cn:node"));
  }

  @Test
  void booleanFlagsAcceptGoStyleValues() {
    cli.run("entry", "create", "-spiffeID", "spiffe://example.org/w", "-parentID",
        "spiffe://example.org/a", "-selector", "a:b", "-admin=false", "-downstream=true", "-storeSVID", "false");

    Entry sent = cli.entries.requests(BatchCreateEntryRequest.class).get(0).getEntries(0);
    assertThat(sent.getAdmin()).isFalse();
    assertThat(sent.getDownstream()).isTrue();
    assertThat(sent.getStoreSvid()).isFalse();
  }

  @Test
  void aRepeatedSingleValueFlagKeepsTheLastValueAsGoDoes() {
    cli.run("entry", "create", "-spiffeID", "spiffe://example.org/first", "-spiffeID",
        "spiffe://example.org/second", "-parentID", "spiffe://example.org/a", "-selector", "a:b");

    assertThat(cli.entries.requests(BatchCreateEntryRequest.class).get(0).getEntries(0).getSpiffeId())
        .isEqualTo(id("example.org", "/second"));
  }

  @Test
  void jsonOutputIsTheProtojsonOfTheResponse() {
    Result r = cli.run("entry", "create", "-spiffeID", "spiffe://example.org/w",
        "-parentID", "spiffe://example.org/agent", "-selector", "unix:uid:1000", "-output", "json");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("{\"results\":[{\"entry\":{\"admin\":false,\"created_at\":\"1700000000\","
        + "\"dns_names\":[],\"downstream\":false,\"expires_at\":\"0\",\"federates_with\":[],\"hint\":\"\","
        + "\"id\":\"id-1\",\"jwt_svid_ttl\":0,\"parent_id\":{\"path\":\"/agent\",\"trust_domain\":\"example.org\"},"
        + "\"revision_number\":\"0\",\"selectors\":[{\"type\":\"unix\",\"value\":\"uid:1000\"}],"
        + "\"spiffe_id\":{\"path\":\"/w\",\"trust_domain\":\"example.org\"},\"store_svid\":false,"
        + "\"x509_svid_ttl\":0},\"status\":{\"code\":0,\"message\":\"OK\"}}]}\n");
  }

  static Stream<Arguments> invalidFlags() {
    return Stream.of(
        Arguments.of(List.of(), "at least one selector is required"),
        Arguments.of(List.of("-selector", "unix:uid:1"), "a parent ID is required if the node flag is not set"),
        Arguments.of(List.of("-selector", "unix:uid:1", "-parentID", "spiffe://example.org/parent"),
            "a SPIFFE ID is required"),
        Arguments.of(List.of("-selector", "unix", "-parentID", "spiffe://example.org/parent", "-spiffeID",
            "spiffe://example.org/workload"), "selector \"unix\" must be formatted as type:value"),
        Arguments.of(List.of("-selector", "unix", "-parentID", "spiffe://example.org/parent", "-spiffeID",
            "spiffe://example.org/workload", "-x509SVIDTTL", "-10"), "a positive x509-SVID TTL is required"),
        Arguments.of(List.of("-selector", "unix", "-parentID", "spiffe://example.org/parent", "-spiffeID",
            "spiffe://example.org/workload", "-jwtSVIDTTL", "-10"), "a positive JWT-SVID TTL is required"),
        Arguments.of(List.of("-selector", "unix", "-spiffeID", "spiffe://example.org/workload", "-node",
            "-federatesWith", "spiffe://another.org"), "node entries can not federate"),
        Arguments.of(List.of("-selector", "a:b", "-parentID", "spiffe://example.org/parent", "-spiffeID",
            "example.org/workload"), "scheme is missing or invalid"),
        Arguments.of(List.of("-selector", "a:b", "-parentID", "spiffe://example.org/parent/", "-spiffeID",
            "spiffe://example.org/w"), "path cannot have a trailing slash"),
        Arguments.of(List.of("-selector", "a:b", "-parentID", "spiffe://example.org/p", "-spiffeID",
            "spiffe://example.org/w", "-x509SVIDTTL", "3000000000"),
            "invalid value for X509 SVID TTL: overflow converting int(3000000000) to int32"));
  }

  @ParameterizedTest
  @MethodSource("invalidFlags")
  void invalidFlagsFailBeforeAnyCall(List<String> flags, String message) {
    String[] args = Stream.concat(Stream.of("entry", "create"), flags.stream()).toArray(String[]::new);

    Result r = cli.run(args);

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: " + message + "\n");
    assertThat(r.out()).isEmpty();
    assertThat(cli.entries.requests).isEmpty();
  }

  @Test
  void dataFileEntriesAreSentInOneBatchAndOtherFlagsIgnored() throws Exception {
    Path data = tmp.resolve("entries.json");
    Files.writeString(data, """
        {"entries": [
          {"spiffe_id": "spiffe://example.org/Blog", "parent_id": "spiffe://example.org/spire/agent/join_token/TokenBlog",
           "selectors": [{"type": "unix", "value": "uid:1111"}], "x509_svid_ttl": 200, "admin": true},
          {"spiffe_id": "spiffe://example.org/Database", "parent_id": "spiffe://example.org/spire/agent/join_token/TokenDatabase",
           "selectors": [{"type": "unix", "value": "uid:1111"}], "jwt_svid_ttl": 30, "federates_with": ["spiffe://partner.org"]}
        ]}
        """);

    Result r = cli.run("entry", "create", "-data", data.toString(), "-spiffeID", "spiffe://ignored.org/x");

    assertThat(r.exit()).as(r.err()).isZero();
    List<Entry> sent = cli.entries.requests(BatchCreateEntryRequest.class).get(0).getEntriesList();
    assertThat(sent).extracting(e -> e.getSpiffeId().getPath()).containsExactly("/Blog", "/Database");
    assertThat(sent.get(0).getAdmin()).isTrue();
    assertThat(sent.get(0).getX509SvidTtl()).isEqualTo(200);
    assertThat(sent.get(1).getFederatesWithList()).containsExactly("partner.org");
    assertThat(r.out()).contains("Entry ID                : id-1", "Entry ID                : id-2");
  }

  @Test
  void dataFromStdin() {
    cli.stdin = ("{\"entries\":[{\"spiffe_id\":\"spiffe://example.org/a\",\"parent_id\":\"spiffe://example.org/p\","
        + "\"selectors\":[{\"type\":\"t\",\"value\":\"v\"}]}]}").getBytes(StandardCharsets.UTF_8);

    Result r = cli.run("entry", "create", "-data", "-");

    assertThat(r.exit()).isZero();
    assertThat(cli.entries.stored()).hasSize(1);
  }

  @Test
  void missingDataFileIsReportedLikeGo() {
    Result r = cli.run("entry", "create", "-data", tmp.resolve("nope.json").toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: open " + tmp.resolve("nope.json") + ": no such file or directory\n");
  }

  @Test
  void perEntryFailuresGoToStderrWithTheRequestedEntryAndExitOne() {
    cli.run("entry", "create", "-spiffeID", "spiffe://example.org/w", "-parentID",
        "spiffe://example.org/a", "-selector", "a:b");

    Result r = cli.run("entry", "create", "-spiffeID", "spiffe://example.org/w", "-parentID",
        "spiffe://example.org/a", "-selector", "a:b");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("""
        Failed to create the following entry (code: AlreadyExists, msg: "similar entry already exists"):
        Entry ID                : (none)
        SPIFFE ID               : spiffe://example.org/w
        Parent ID               : spiffe://example.org/a
        Revision                : 0
        X509-SVID TTL           : default
        JWT-SVID TTL            : default
        Selector                : a:b

        Error: failed to create one or more entries
        """);
  }

  @Test
  void perEntryFailuresInJsonAreReportedInTheResultsWithExitZeroLikeSpire() {
    cli.run("entry", "create", "-spiffeID", "spiffe://example.org/w", "-parentID",
        "spiffe://example.org/a", "-selector", "a:b");

    Result r = cli.run("entry", "create", "-spiffeID", "spiffe://example.org/w", "-parentID",
        "spiffe://example.org/a", "-selector", "a:b", "-output", "json");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("\"status\":{\"code\":6,\"message\":\"similar entry already exists\"}",
        "\"spiffe_id\":{\"path\":\"/w\"");
  }

  @Test
  void serverErrorIsReportedInGrpcGoWords() {
    cli.entries.failWith(Status.UNKNOWN.withDescription("server-error"));

    Result r = cli.run("entry", "create", "-spiffeID", "spiffe://example.org/node", "-node",
        "-selector", "unix:uid:1");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: rpc error: code = Unknown desc = server-error\n");
  }
}
