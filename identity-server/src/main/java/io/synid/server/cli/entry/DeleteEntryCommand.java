package io.synid.server.cli.entry;

import com.fasterxml.jackson.databind.JsonNode;
import io.synid.api.spire.server.entry.v1.BatchDeleteEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchDeleteEntryResponse;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.InputFiles;
import io.synid.server.cli.JsonInput;
import io.synid.server.cli.SpireText;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code entry delete}: deletes {@code -entryID}, or every ID of a {@code -file} holding
 * {@code {"ids": ["...", ...]}} ({@code -} reads stdin), in one {@code BatchDeleteEntry} call.
 */
@Command(name = "delete", description = "Deletes registration entries")
public final class DeleteEntryCommand extends AdminCommand {

  @Option(names = {"-entryID", "--entryID"}, paramLabel = "<id>",
      description = "The Registration Entry ID of the record to delete")
  String entryId = "";

  @Option(names = {"-file", "--file"}, paramLabel = "<file>",
      description = "Path to a JSON file {\"ids\": [...]} for batch deletion ('-' reads stdin)")
  String file = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (file.isEmpty() && entryId.isEmpty()) {
      throw new CliException("an entry ID is required");
    }
    List<String> ids = file.isEmpty()
        ? List.of(entryId)
        : parseIds(InputFiles.readDashForStdin(file, env.in()));
    BatchDeleteEntryResponse response = client.entries().batchDeleteEntry(
        BatchDeleteEntryRequest.newBuilder().addAllIds(ids).build());
    print(env, response, r -> printPretty(env, r));
  }

  static List<String> parseIds(byte[] json) throws CliException {
    JsonNode root = JsonInput.parse(json);
    List<String> ids = new ArrayList<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return ids;
    }
    if (!root.isObject()) {
      throw new CliException("json: cannot unmarshal " + root.getNodeType().name().toLowerCase(Locale.ROOT)
          + " into Go value of type entryv1.BatchDeleteEntryRequest");
    }
    JsonNode list = null;
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      if (field.getKey().equalsIgnoreCase("ids")) {
        list = field.getValue();
      }
    }
    if (list == null || list.isNull()) {
      return ids;
    }
    if (!list.isArray()) {
      throw new CliException("json: cannot unmarshal " + list.getNodeType().name().toLowerCase(Locale.ROOT)
          + " into Go struct field BatchDeleteEntryRequest.ids of type []string");
    }
    for (JsonNode id : list) {
      if (!id.isTextual() && !id.isNull()) {
        throw new CliException("json: cannot unmarshal " + id.getNodeType().name().toLowerCase(Locale.ROOT)
            + " into Go struct field BatchDeleteEntryRequest.ids of type string");
      }
      ids.add(id.isNull() ? "" : id.textValue());
    }
    return ids;
  }

  private static void printPretty(CliEnvironment env, BatchDeleteEntryResponse response)
      throws CliException {
    List<BatchDeleteEntryResponse.Result> succeeded = new ArrayList<>();
    List<BatchDeleteEntryResponse.Result> failed = new ArrayList<>();
    for (BatchDeleteEntryResponse.Result r : response.getResultsList()) {
      (r.getStatus().getCode() == 0 ? succeeded : failed).add(r);
    }
    for (BatchDeleteEntryResponse.Result r : succeeded) {
      env.out().print("Deleted entry with ID: " + r.getId() + "\n");
    }
    if (!succeeded.isEmpty()) {
      env.out().print("\n\n");
    }
    for (BatchDeleteEntryResponse.Result r : failed) {
      env.err().print("Failed to delete entry with ID " + r.getId() + " (code: "
          + GrpcErrors.codeName(r.getStatus().getCode()) + ", msg: "
          + SpireText.quote(r.getStatus().getMessage()) + ")\n");
    }
    if (!failed.isEmpty()) {
      env.out().print("\n\n");
      // SPIRE prints these summaries without a trailing newline.
      env.out().print(succeeded.isEmpty()
          ? "Failed to delete " + failed.size() + " entries"
          : "Deleted " + succeeded.size() + " entries successfully, but failed to delete "
              + failed.size() + " entries");
      throw new CliException("failed to delete one or more entries");
    }
    env.out().print("Deleted " + succeeded.size() + " entries successfully");
  }
}
