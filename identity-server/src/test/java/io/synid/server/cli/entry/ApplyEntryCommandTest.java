package io.synid.server.cli.entry;

import static io.synid.server.cli.entry.CreateEntryCommandTest.id;
import static io.synid.server.cli.entry.CreateEntryCommandTest.selector;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchUpdateEntryRequest;
import io.synid.api.spire.server.entry.v1.ListEntriesRequest;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SelectorMatch;
import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplyEntryCommandTest {
  private final CliHarness cli = new CliHarness();

  @TempDir
  Path tmp;

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  private Path file(String json) throws Exception {
    Path path = tmp.resolve("entries-" + System.nanoTime() + ".json");
    Files.writeString(path, json);
    return path;
  }

  private static final String DESIRED = """
      {"entries": [
        {"spiffe_id": "spiffe://example.org/web", "parent_id": "spiffe://example.org/agent",
         "selectors": [{"type": "unix", "value": "uid:1"}, {"type": "unix", "value": "gid:1"}],
         "x509_svid_ttl": 600, "dns_names": ["web.example.org"]},
        {"spiffe_id": "spiffe://example.org/db", "parent_id": "spiffe://example.org/agent",
         "selectors": [{"type": "unix", "value": "uid:2"}], "federates_with": ["spiffe://partner.org"]},
        {"entry_id": "cache", "spiffe_id": "spiffe://example.org/cache", "parent_id": "spiffe://example.org/agent",
         "selectors": [{"type": "unix", "value": "uid:3"}], "hint": "h"}
      ]}
      """;

  @Test
  void createsWhatIsMissingAndTheSecondRunChangesNothing() throws Exception {
    Path data = file(DESIRED);

    Result first = cli.run("entry", "apply", "-data", data.toString());

    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(first.out()).isEqualTo("""
        Created entry id-1: spiffe://example.org/web (parent spiffe://example.org/agent)
        Created entry id-2: spiffe://example.org/db (parent spiffe://example.org/agent)
        Created entry cache: spiffe://example.org/cache (parent spiffe://example.org/agent)
        created: 3, updated: 0, unchanged: 0
        """);
    assertThat(cli.entries.requests(BatchCreateEntryRequest.class)).hasSize(1);
    List<Entry> before = new ArrayList<>(cli.entries.stored());
    int calls = cli.entries.requests.size();

    Result second = cli.run("entry", "apply", "-data", data.toString());

    assertThat(second.exit()).isZero();
    assertThat(second.out()).isEqualTo("created: 0, updated: 0, unchanged: 3\n");
    assertThat(cli.entries.stored()).containsExactlyElementsOf(before);
    assertThat(cli.entries.requests.subList(calls, cli.entries.requests.size()))
        .noneMatch(r -> r instanceof BatchCreateEntryRequest || r instanceof BatchUpdateEntryRequest);
  }

  @Test
  void lookupIsByIdOrByExactIdentity() throws Exception {
    cli.run("entry", "apply", "-data", file(DESIRED).toString());
    int calls = cli.entries.requests.size();

    cli.run("entry", "apply", "-data", file(DESIRED).toString());

    List<ListEntriesRequest> lookups = cli.entries.requests.subList(calls, cli.entries.requests.size())
        .stream().filter(ListEntriesRequest.class::isInstance).map(ListEntriesRequest.class::cast).toList();
    assertThat(lookups).hasSize(2);
    assertThat(lookups.get(0).getFilter()).isEqualTo(ListEntriesRequest.Filter.newBuilder()
        .setBySpiffeId(id("example.org", "/web"))
        .setByParentId(id("example.org", "/agent"))
        .setBySelectors(SelectorMatch.newBuilder()
            .addSelectors(selector("unix", "uid:1"))
            .addSelectors(selector("unix", "gid:1"))
            .setMatch(SelectorMatch.MatchBehavior.MATCH_EXACT))
        .build());
  }

  @Test
  void changedEntriesAreReplacedKeepingTheirIdsAndListingWhatChanged() throws Exception {
    cli.run("entry", "apply", "-data", file(DESIRED).toString());
    String changed = DESIRED
        .replace("\"x509_svid_ttl\": 600", "\"x509_svid_ttl\": 900, \"admin\": true")
        .replace("\"hint\": \"h\"", "\"hint\": \"h2\", \"selectors\": [{\"type\": \"unix\", \"value\": \"uid:4\"}]")
        // Selector order does not matter.
        .replace("[{\"type\": \"unix\", \"value\": \"uid:1\"}, {\"type\": \"unix\", \"value\": \"gid:1\"}]",
            "[{\"type\": \"unix\", \"value\": \"gid:1\"}, {\"type\": \"unix\", \"value\": \"uid:1\"}]");

    Result r = cli.run("entry", "apply", "-data", file(changed).toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("""
        Updated entry id-1: spiffe://example.org/web (parent spiffe://example.org/agent); changed: x509_svid_ttl, admin
        Updated entry cache: spiffe://example.org/cache (parent spiffe://example.org/agent); changed: selectors, hint
        created: 0, updated: 2, unchanged: 1
        """);
    BatchUpdateEntryRequest update = cli.entries.requests(BatchUpdateEntryRequest.class).get(0);
    assertThat(update.hasInputMask()).isFalse();
    assertThat(update.getEntriesList()).extracting(Entry::getId).containsExactly("id-1", "cache");
    assertThat(cli.run("entry", "apply", "-data", file(changed).toString()).out())
        .isEqualTo("created: 0, updated: 0, unchanged: 3\n");
  }

  @Test
  void jsonReport() throws Exception {
    cli.run("entry", "apply", "-data", file(DESIRED).toString());
    String changed = DESIRED.replace("\"x509_svid_ttl\": 600", "\"x509_svid_ttl\": 900");

    Result r = cli.run("entry", "apply", "-data", file(changed).toString(), "-output", "json");

    assertThat(r.exit()).isZero();
    JsonNode report = new ObjectMapper().readTree(r.out());
    assertThat(report.get("created").asInt()).isZero();
    assertThat(report.get("updated").asInt()).isEqualTo(1);
    assertThat(report.get("unchanged").asInt()).isEqualTo(2);
    assertThat(report.get("failed").asInt()).isZero();
    assertThat(report.get("results").get(0).get("action").asText()).isEqualTo("updated");
    assertThat(report.get("results").get(0).get("changed_fields").toString()).isEqualTo("[\"x509_svid_ttl\"]");
    assertThat(report.get("results").get(0).get("entry").get("x509_svid_ttl").asInt()).isEqualTo(900);
    assertThat(report.get("results").get(1).get("action").asText()).isEqualTo("unchanged");
    assertThat(r.out()).startsWith("{\"created\":0,\"failed\":0,\"results\":[{\"action\":\"updated\"");
  }

  @Test
  void failuresAreReportedAndExitOneWhileTheRestIsApplied() throws Exception {
    cli.entries.put(Entry.newBuilder().setId("taken").setSpiffeId(id("example.org", "/other"))
        .setParentId(id("example.org", "/agent")).addSelectors(selector("unix", "uid:9")).build());
    // Asks for ID "new" with the identity of "taken": the server refuses the duplicate.
    Path data = file("""
        {"entries": [
          {"entry_id": "new", "spiffe_id": "spiffe://example.org/other", "parent_id": "spiffe://example.org/agent",
           "selectors": [{"type": "unix", "value": "uid:9"}]},
          {"spiffe_id": "spiffe://example.org/fine", "parent_id": "spiffe://example.org/agent",
           "selectors": [{"type": "unix", "value": "uid:8"}]}
        ]}
        """);

    Result r = cli.run("entry", "apply", "-data", data.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEqualTo("""
        Created entry id-1: spiffe://example.org/fine (parent spiffe://example.org/agent)
        created: 1, updated: 0, unchanged: 0, failed: 1
        """);
    assertThat(r.err()).isEqualTo("Failed to create entry new spiffe://example.org/other "
        + "(parent spiffe://example.org/agent) (code: AlreadyExists, msg: \"similar entry already exists\")\n"
        + "Error: failed to apply 1 entry\n");
  }

  @Test
  void duplicatesInTheFileAreRejectedBeforeAnyWrite() throws Exception {
    Path data = file("""
        {"entries": [
          {"spiffe_id": "spiffe://example.org/a", "parent_id": "spiffe://example.org/p", "selectors": [{"type": "t", "value": "1"}, {"type": "t", "value": "2"}]},
          {"spiffe_id": "spiffe://example.org/a", "parent_id": "spiffe://example.org/p", "selectors": [{"type": "t", "value": "2"}, {"type": "t", "value": "1"}]}
        ]}
        """);

    Result r = cli.run("entry", "apply", "-data", data.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo(
        "Error: entries 1 and 2 of the file have the same SPIFFE ID, parent ID and selectors\n");
    assertThat(cli.entries.requests).isEmpty();
  }

  @Test
  void manyEntriesGoInBatches() throws Exception {
    StringBuilder json = new StringBuilder("{\"entries\":[");
    for (int i = 0; i < 120; i++) {
      json.append(i == 0 ? "" : ",").append("{\"spiffe_id\":\"spiffe://example.org/w").append(i)
          .append("\",\"parent_id\":\"spiffe://example.org/p\",\"selectors\":[{\"type\":\"t\",\"value\":\"")
          .append(i).append("\"}]}");
    }
    cli.stdin = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);

    Result r = cli.run("entry", "apply", "-data", "-");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).endsWith("created: 120, updated: 0, unchanged: 0\n");
    assertThat(cli.entries.requests(BatchCreateEntryRequest.class))
        .extracting(BatchCreateEntryRequest::getEntriesCount).containsExactly(50, 50, 20);
  }

  @Test
  void aDataFileIsRequired() {
    Result r = cli.run("entry", "apply");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: a data file is required (-data <file>, or - for stdin)\n");
  }
}
