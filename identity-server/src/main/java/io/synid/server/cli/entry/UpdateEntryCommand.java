package io.synid.server.cli.entry;

import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.entry.v1.BatchUpdateEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchUpdateEntryResponse;
import io.synid.api.spire.server.entry.v1.GetEntryRequest;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.ProtoIds;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code entry update}: replaces whole entries (every field, no mask), from flags or a
 * {@code -data} file, in one {@code BatchUpdateEntry} call.
 *
 * <p>As in SPIRE, when {@code -disableX509SVIDPrefetch} or {@code -jwtSVIDIncludeJTI} is given,
 * the entry is read first so that the other additional attribute keeps its value.
 */
@Command(name = "update", description = "Updates registration entries")
public final class UpdateEntryCommand extends AdminCommand {
  @Mixin
  EntryFlags flags;

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    validate();
    List<Entry> entries;
    if (flags.hasData()) {
      entries = EntryFile.read(flags.data, env.in());
    } else {
      Entry entry = fromFlags();
      if (flags.additionalAttributesSet()) {
        entry = mergeAdditionalAttributes(entry, existing(client));
      }
      entries = List.of(entry);
    }
    BatchUpdateEntryResponse response = client.entries().batchUpdateEntry(
        BatchUpdateEntryRequest.newBuilder().addAllEntries(entries).build());
    BatchUpdateEntryResponse.Builder filled = response.toBuilder();
    for (int i = 0; i < filled.getResultsCount() && i < entries.size(); i++) {
      if (filled.getResults(i).getStatus().getCode() != 0) {
        filled.getResultsBuilder(i).setEntry(entries.get(i));
      }
    }
    print(env, filled.build(), r -> printPretty(env, r));
  }

  private void validate() throws CliException {
    if (flags.hasData()) {
      return;
    }
    if (flags.entryId.isEmpty()) {
      throw new CliException("entry ID is required");
    }
    if (flags.selectors.isEmpty()) {
      throw new CliException("at least one selector is required");
    }
    if (flags.parentId.isEmpty()) {
      throw new CliException("a parent ID is required");
    }
    if (flags.spiffeId.isEmpty()) {
      throw new CliException("a SPIFFE ID is required");
    }
    flags.checkTtls();
  }

  private Entry fromFlags() throws CliException {
    SPIFFEID parentId = ProtoIds.parse(flags.parentId);
    SPIFFEID spiffeId = ProtoIds.parse(flags.spiffeId);
    return flags.fieldsExceptIds().setParentId(parentId).setSpiffeId(spiffeId).build();
  }

  private Entry existing(AdminClient client) throws CliException {
    try {
      return client.entries().getEntry(GetEntryRequest.newBuilder().setId(flags.entryId).build());
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.wrap("failed to fetch existing entry to merge additional attributes", e);
    }
  }

  /** Keeps the existing attributes, overriding only those given on the command line. */
  private Entry mergeAdditionalAttributes(Entry requested, Entry existing) {
    Entry.AdditionalAttributes.Builder merged = existing.getAdditionalAttributes().toBuilder();
    if (flags.disableX509SvidPrefetch != null) {
      merged.setDisableX509SvidPrefetch(flags.disableX509SvidPrefetch);
    }
    if (flags.jwtSvidIncludeJti != null) {
      merged.setJwtSvidIncludeJti(flags.jwtSvidIncludeJti);
    }
    return requested.toBuilder().setAdditionalAttributes(merged).build();
  }

  private static void printPretty(CliEnvironment env, BatchUpdateEntryResponse response)
      throws CliException {
    boolean failed = false;
    for (BatchUpdateEntryResponse.Result r : response.getResultsList()) {
      if (r.getStatus().getCode() == 0) {
        EntryPrinter.print(env.out(), r.getEntry());
      }
    }
    for (BatchUpdateEntryResponse.Result r : response.getResultsList()) {
      if (r.getStatus().getCode() != 0) {
        EntryPrinter.printFailure(env.err(), "update", r.getStatus(), r.getEntry());
        failed = true;
      }
    }
    if (failed) {
      throw new CliException("failed to update one or more entries");
    }
  }
}
