package io.synid.server.cli.entry;

import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.entry.v1.GetEntryRequest;
import io.synid.api.spire.server.entry.v1.ListEntriesRequest;
import io.synid.api.spire.server.entry.v1.ListEntriesResponse;
import io.synid.api.spire.types.Entry;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GrpcErrors;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code entry show}: one entry by {@code -entryID}, or every entry matching the filters, read
 * page by page. Entries are printed in SPIRE's order (SPIFFE ID, parent, TTLs, selectors), each
 * with its selectors sorted.
 */
@Command(name = "show", description = "Displays configured registration entries")
public final class ShowEntryCommand extends AdminCommand {
  /** Page size SPIRE's CLI asks for. */
  static final int PAGE_SIZE = 500;

  @Option(names = {"-entryID", "--entryID"}, paramLabel = "<id>",
      description = "The Entry ID of the record to show")
  String entryId = "";

  @Mixin
  EntryFilterFlags filter;

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (!entryId.isEmpty() && filter.hasIdentityFilters()) {
      throw new CliException("the -entryID flag can't be combined with others");
    }
    ListEntriesResponse response = fetch(client);
    List<Entry> sorted = EntryOrder.sorted(response.getEntriesList());
    response = response.toBuilder().clearEntries().addAllEntries(sorted).build();
    print(env, response, r -> EntryPrinter.printAll(env.out(), r.getEntriesList()));
  }

  private ListEntriesResponse fetch(AdminClient client) throws CliException {
    if (!entryId.isEmpty()) {
      try {
        Entry entry = client.entries().getEntry(GetEntryRequest.newBuilder().setId(entryId).build());
        return ListEntriesResponse.newBuilder().addEntries(entry).build();
      } catch (StatusRuntimeException e) {
        throw GrpcErrors.wrap("error fetching entry ID " + entryId, e);
      }
    }
    ListEntriesRequest.Filter f = filter.listFilter();
    List<Entry> entries = new ArrayList<>();
    String pageToken = "";
    do {
      ListEntriesResponse page;
      try {
        page = client.entries().listEntries(ListEntriesRequest.newBuilder()
            .setFilter(f)
            .setPageSize(PAGE_SIZE)
            .setPageToken(pageToken)
            .build());
      } catch (StatusRuntimeException e) {
        throw GrpcErrors.wrap("error fetching entries", e);
      }
      entries.addAll(page.getEntriesList());
      pageToken = page.getNextPageToken();
    } while (!pageToken.isEmpty());
    return ListEntriesResponse.newBuilder().addAllEntries(entries).build();
  }
}
