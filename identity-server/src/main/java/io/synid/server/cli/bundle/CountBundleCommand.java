package io.synid.server.cli.bundle;

import io.synid.api.spire.server.bundle.v1.CountBundlesRequest;
import io.synid.api.spire.server.bundle.v1.CountBundlesResponse;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.SpireText;
import picocli.CommandLine.Command;

/** {@code bundle count}: prints {@code N bundles} (the server's own and the federated ones). */
@Command(name = "count", description = "Count bundles")
public final class CountBundleCommand extends AdminCommand {
  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    CountBundlesResponse response = client.bundles().countBundles(CountBundlesRequest.getDefaultInstance());
    print(env, response, r -> env.out().print(
        SpireText.plural(r.getCount() + " ", "bundle", "bundles", r.getCount()) + "\n"));
  }
}
