package io.synid.server.cli.entry;

import io.synid.api.spire.server.entry.v1.CountEntriesRequest;
import io.synid.api.spire.server.entry.v1.CountEntriesResponse;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.SpireText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code entry count}: prints {@code N registration entries} for the filters of {@code show}. */
@Command(name = "count", description = "Count registration entries")
public final class CountEntryCommand extends AdminCommand {
  @Mixin
  EntryFilterFlags filter;

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    CountEntriesRequest.Filter f = filter.countFilter();
    CountEntriesResponse response = client.entries().countEntries(
        CountEntriesRequest.newBuilder().setFilter(f).build());
    print(env, response, r -> env.out().print(SpireText.plural(
        r.getCount() + " registration ", "entry", "entries", r.getCount()) + "\n"));
  }
}
