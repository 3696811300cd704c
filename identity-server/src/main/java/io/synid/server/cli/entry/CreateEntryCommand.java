package io.synid.server.cli.entry;

import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryResponse;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.ProtoIds;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code entry create}: creates one entry from flags, or every entry of a {@code -data} file, in
 * one {@code BatchCreateEntry} call.
 *
 * <p>{@code -node} makes the parent the server, {@code spiffe://<td>/spire/server}, where
 * {@code <td>} is the trust domain of {@code -spiffeID} (as in SPIRE; no server call).
 */
@Command(name = "create", description = "Creates registration entries")
public final class CreateEntryCommand extends AdminCommand {
  /** Path of the server's own ID, the parent of node (alias) entries. */
  static final String SERVER_ID_PATH = "/spire/server";

  @Mixin
  EntryFlags flags;

  @Option(names = {"-node", "--node"}, arity = "0..1", paramLabel = "<bool>",
      description = "The entry applies to matching nodes rather than workloads (its parent is the server)")
  boolean node;

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    validate();
    List<Entry> entries = flags.hasData()
        ? EntryFile.read(flags.data, env.in())
        : List.of(fromFlags());
    BatchCreateEntryResponse response = client.entries().batchCreateEntry(
        BatchCreateEntryRequest.newBuilder().addAllEntries(entries).build());
    BatchCreateEntryResponse.Builder filled = response.toBuilder();
    for (int i = 0; i < filled.getResultsCount() && i < entries.size(); i++) {
      if (filled.getResults(i).getStatus().getCode() != 0) {
        // The server does not echo entries it failed to create; show what was asked for.
        filled.getResultsBuilder(i).setEntry(entries.get(i));
      }
    }
    print(env, filled.build(), r -> printPretty(env, r));
  }

  private void validate() throws CliException {
    if (flags.hasData()) {
      return;
    }
    if (flags.selectors.isEmpty()) {
      throw new CliException("at least one selector is required");
    }
    if (node && !flags.federatesWith.isEmpty()) {
      throw new CliException("node entries can not federate");
    }
    if (flags.parentId.isEmpty() && !node) {
      throw new CliException("a parent ID is required if the node flag is not set");
    }
    if (flags.spiffeId.isEmpty()) {
      throw new CliException("a SPIFFE ID is required");
    }
    flags.checkTtls();
  }

  private Entry fromFlags() throws CliException {
    SPIFFEID spiffeId = ProtoIds.parse(flags.spiffeId);
    SPIFFEID parentId = node
        ? ProtoIds.of(spiffeId.getTrustDomain(), SERVER_ID_PATH)
        : ProtoIds.parse(flags.parentId);
    return flags.fieldsExceptIds().setSpiffeId(spiffeId).setParentId(parentId).build();
  }

  private static void printPretty(CliEnvironment env, BatchCreateEntryResponse response)
      throws CliException {
    boolean failed = false;
    for (BatchCreateEntryResponse.Result r : response.getResultsList()) {
      if (r.getStatus().getCode() == 0) {
        EntryPrinter.print(env.out(), r.getEntry());
      }
    }
    for (BatchCreateEntryResponse.Result r : response.getResultsList()) {
      if (r.getStatus().getCode() != 0) {
        EntryPrinter.printFailure(env.err(), "create", r.getStatus(), r.getEntry());
        failed = true;
      }
    }
    if (failed) {
      throw new CliException("failed to create one or more entries");
    }
  }
}
