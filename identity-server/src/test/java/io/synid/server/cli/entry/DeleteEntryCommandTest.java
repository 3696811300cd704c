package io.synid.server.cli.entry;

import static io.synid.server.cli.entry.CreateEntryCommandTest.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.synid.api.spire.server.entry.v1.BatchDeleteEntryRequest;
import io.synid.api.spire.types.Entry;
import io.synid.server.cli.CliException;
import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeleteEntryCommandTest {
  private final CliHarness cli = new CliHarness();

  @TempDir
  Path tmp;

  @BeforeEach
  void entries() {
    cli.entries.put(Entry.newBuilder().setId("e1").setSpiffeId(id("example.org", "/a")).build());
    cli.entries.put(Entry.newBuilder().setId("e2").setSpiffeId(id("example.org", "/b")).build());
  }

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  @Test
  void deletesOneEntry() {
    Result r = cli.run("entry", "delete", "-entryID", "e1");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("Deleted entry with ID: e1\n\n\nDeleted 1 entries successfully");
    assertThat(cli.entries.requests(BatchDeleteEntryRequest.class)).containsExactly(
        BatchDeleteEntryRequest.newBuilder().addIds("e1").build());
  }

  @Test
  void deletesTheIdsOfAFileAndReportsFailures() throws Exception {
    Path file = tmp.resolve("ids.json");
    Files.writeString(file, "{\"ids\": [\"e1\", \"nope\", \"e2\"]}");

    Result r = cli.run("entry", "delete", "-file", file.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEqualTo("Deleted entry with ID: e1\nDeleted entry with ID: e2\n\n\n\n\n"
        + "Deleted 2 entries successfully, but failed to delete 1 entries");
    assertThat(r.err()).isEqualTo("Failed to delete entry with ID nope (code: NotFound, msg: \"entry not found\")\n"
        + "Error: failed to delete one or more entries\n");
    assertThat(cli.entries.stored()).isEmpty();
  }

  @Test
  void allFailing() {
    cli.stdin = "{\"IDS\":[\"x\"]}".getBytes(StandardCharsets.UTF_8);

    Result r = cli.run("entry", "delete", "-file", "-");

    assertThat(r.out()).isEqualTo("\n\nFailed to delete 1 entries");
    assertThat(r.exit()).isEqualTo(1);
  }

  @Test
  void jsonOutput() {
    Result r = cli.run("entry", "delete", "-entryID", "nope", "-output", "json");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo(
        "{\"results\":[{\"id\":\"nope\",\"status\":{\"code\":5,\"message\":\"entry not found\"}}]}\n");
  }

  @Test
  void anEntryIdIsRequired() {
    Result r = cli.run("entry", "delete");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: an entry ID is required\n");
  }

  @Test
  void idsFileParsing() throws CliException {
    assertThat(DeleteEntryCommand.parseIds("{\"ids\":[\"a\",\"b\"],\"other\":1}".getBytes(StandardCharsets.UTF_8)))
        .containsExactly("a", "b");
    assertThat(DeleteEntryCommand.parseIds("{}".getBytes(StandardCharsets.UTF_8))).isEmpty();
    assertThat(DeleteEntryCommand.parseIds("null".getBytes(StandardCharsets.UTF_8))).isEmpty();
  }
}
