package io.synid.server.cli.entry;

import static io.synid.server.cli.entry.CreateEntryCommandTest.id;
import static io.synid.server.cli.entry.CreateEntryCommandTest.selector;
import static org.assertj.core.api.Assertions.assertThat;

import io.synid.api.spire.server.entry.v1.BatchUpdateEntryRequest;
import io.synid.api.spire.server.entry.v1.GetEntryRequest;
import io.synid.api.spire.types.Entry;
import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class UpdateEntryCommandTest {
  private final CliHarness cli = new CliHarness();

  @BeforeEach
  void existingEntry() {
    cli.entries.put(Entry.newBuilder()
        .setId("e1")
        .setSpiffeId(id("example.org", "/old"))
        .setParentId(id("example.org", "/agent"))
        .addSelectors(selector("unix", "uid:1"))
        .addDnsNames("old.example.org")
        .setAdditionalAttributes(Entry.AdditionalAttributes.newBuilder()
            .setDisableX509SvidPrefetch(true))
        .build());
  }

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  @Test
  void replacesTheWholeEntry() {
    Result r = cli.run("entry", "update", "-entryID", "e1", "-spiffeID", "spiffe://example.org/new",
        "-parentID", "spiffe://example.org/agent", "-selector", "unix:uid:2", "-x509SVIDTTL", "90",
        "-storeSVID");

    assertThat(r.exit()).as(r.err()).isZero();
    BatchUpdateEntryRequest sent = cli.entries.requests(BatchUpdateEntryRequest.class).get(0);
    assertThat(sent.hasInputMask()).isFalse();
    assertThat(sent.getEntriesList()).containsExactly(Entry.newBuilder()
        .setId("e1")
        .setSpiffeId(id("example.org", "/new"))
        .setParentId(id("example.org", "/agent"))
        .addSelectors(selector("unix", "uid:2"))
        .setX509SvidTtl(90)
        .setStoreSvid(true)
        .build());
    assertThat(cli.entries.requests(GetEntryRequest.class)).isEmpty();
    assertThat(r.out()).isEqualTo("""
        Entry ID                : e1
        SPIFFE ID               : spiffe://example.org/new
        Parent ID               : spiffe://example.org/agent
        Revision                : 1
        X509-SVID TTL           : 90
        JWT-SVID TTL            : default
        Selector                : unix:uid:2
        StoreSvid               : true

        """);
  }

  @Test
  void oneAdditionalAttributeFlagKeepsTheOtherFromTheServer() {
    Result r = cli.run("entry", "update", "-entryID", "e1", "-spiffeID", "spiffe://example.org/old",
        "-parentID", "spiffe://example.org/agent", "-selector", "unix:uid:1", "-jwtSVIDIncludeJTI");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(cli.entries.requests(GetEntryRequest.class)).hasSize(1);
    assertThat(cli.entries.requests(BatchUpdateEntryRequest.class).get(0).getEntries(0).getAdditionalAttributes())
        .isEqualTo(Entry.AdditionalAttributes.newBuilder()
            .setDisableX509SvidPrefetch(true).setJwtSvidIncludeJti(true).build());
  }

  @Test
  void fetchingTheEntryToMergeAttributesFailsClearly() {
    Result r = cli.run("entry", "update", "-entryID", "nope", "-spiffeID", "spiffe://example.org/old",
        "-parentID", "spiffe://example.org/agent", "-selector", "unix:uid:1", "-disableX509SVIDPrefetch=false");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: failed to fetch existing entry to merge additional attributes: "
        + "rpc error: code = NotFound desc = entry not found\n");
  }

  @Test
  void unknownEntryFailsPerEntry() {
    Result r = cli.run("entry", "update", "-entryID", "nope", "-spiffeID", "spiffe://example.org/b",
        "-parentID", "spiffe://example.org/a", "-selector", "a:b");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("Failed to update the following entry (code: NotFound, msg: \"failed to update entry\"):\n"
        + "Entry ID                : nope\n");
    assertThat(r.err()).endsWith("Error: failed to update one or more entries\n");
  }

  @Test
  void dataFromStdinUpdatesEveryEntry() {
    cli.stdin = ("{\"entries\":[{\"entry_id\":\"e1\",\"spiffe_id\":\"spiffe://example.org/x\","
        + "\"parent_id\":\"spiffe://example.org/p\",\"selectors\":[{\"type\":\"t\",\"value\":\"v\"}]}]}")
        .getBytes(StandardCharsets.UTF_8);

    Result r = cli.run("entry", "update", "-data", "-", "-output", "json");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).startsWith("{\"results\":[{\"entry\":{").contains("\"id\":\"e1\"", "\"revision_number\":\"1\"");
  }

  static Stream<Arguments> invalidFlags() {
    return Stream.of(
        Arguments.of(List.of(), "entry ID is required"),
        Arguments.of(List.of("-entryID", "e1"), "at least one selector is required"),
        Arguments.of(List.of("-entryID", "e1", "-selector", "a:b"), "a parent ID is required"),
        Arguments.of(List.of("-entryID", "e1", "-selector", "a:b", "-parentID", "spiffe://example.org/a"),
            "a SPIFFE ID is required"),
        Arguments.of(List.of("-entryID", "e1", "-selector", "a:b", "-parentID", "spiffe://example.org/a",
            "-spiffeID", "spiffe://example.org/b", "-jwtSVIDTTL", "-1"), "a positive JWT-SVID TTL is required"),
        Arguments.of(List.of("-entryID", "e1", "-selector", "a", "-parentID", "spiffe://example.org/a",
            "-spiffeID", "spiffe://example.org/b"), "selector \"a\" must be formatted as type:value"));
  }

  @ParameterizedTest
  @MethodSource("invalidFlags")
  void invalidFlagsFailBeforeAnyCall(List<String> flags, String message) {
    String[] args = Stream.concat(Stream.of("entry", "update"), flags.stream()).toArray(String[]::new);

    Result r = cli.run(args);

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: " + message + "\n");
    assertThat(cli.entries.requests).isEmpty();
  }
}
