package io.synid.server.cli.bundle;

import io.synid.api.spire.server.bundle.v1.GetFederatedBundleRequest;
import io.synid.api.spire.server.bundle.v1.ListFederatedBundlesRequest;
import io.synid.api.spire.server.bundle.v1.ListFederatedBundlesResponse;
import io.synid.api.spire.types.Bundle;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bundle list}: the federated bundle of {@code -id}, or every federated bundle, each under
 * a starred banner naming its trust domain.
 */
@Command(name = "list", description = "Lists federated bundle data")
public final class ListBundleCommand extends AdminCommand {
  @Option(names = {"-id", "--id"}, paramLabel = "<trust domain>",
      description = "SPIFFE ID of the trust domain")
  String id = "";

  @Option(names = {"-format", "--format"}, paramLabel = "<format>",
      description = "The format to list federated bundles (pretty output only): \"pem\" or \"spiffe\" (default: pem)")
  String format = BundlePrinter.FORMAT_PEM;

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (!id.isEmpty()) {
      Bundle bundle = client.bundles().getFederatedBundle(
          GetFederatedBundleRequest.newBuilder().setTrustDomain(id).build());
      print(env, bundle, b -> BundlePrinter.print(env.out(), b, format, false));
      return;
    }
    // SPIRE asks once, without a page size; later pages are read in case the server pages.
    List<Bundle> bundles = new ArrayList<>();
    String pageToken = "";
    do {
      ListFederatedBundlesResponse page = client.bundles().listFederatedBundles(
          ListFederatedBundlesRequest.newBuilder().setPageToken(pageToken).build());
      bundles.addAll(page.getBundlesList());
      pageToken = page.getNextPageToken();
    } while (!pageToken.isEmpty());
    ListFederatedBundlesResponse response =
        ListFederatedBundlesResponse.newBuilder().addAllBundles(bundles).build();
    print(env, response, r -> {
      for (int i = 0; i < r.getBundlesCount(); i++) {
        if (i != 0) {
          env.out().print("\n");
        }
        BundlePrinter.print(env.out(), r.getBundles(i), format, true);
      }
    });
  }
}
