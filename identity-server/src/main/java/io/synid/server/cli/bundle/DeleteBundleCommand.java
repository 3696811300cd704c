package io.synid.server.cli.bundle;

import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.bundle.v1.BatchDeleteFederatedBundleRequest.Mode;
import io.synid.api.spire.server.bundle.v1.BatchDeleteFederatedBundleRequest;
import io.synid.api.spire.server.bundle.v1.BatchDeleteFederatedBundleResponse;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.SpireText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bundle delete -id <td> [-mode restrict|delete|dissociate]}: deletes a federated bundle;
 * the mode says what happens to entries that federate with it (refuse, delete them, or drop the
 * trust domain from them).
 */
@Command(name = "delete", description = "Deletes federated bundle data")
public final class DeleteBundleCommand extends AdminCommand {
  @Option(names = {"-id", "--id"}, paramLabel = "<trust domain>",
      description = "SPIFFE ID of the trust domain")
  String id = "";

  @Option(names = {"-mode", "--mode"}, paramLabel = "<mode>",
      description = "Deletion mode: one of restrict, delete, or dissociate (default: restrict)")
  String mode = "restrict";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (id.isEmpty()) {
      throw new CliException("id is required");
    }
    Mode m = switch (mode) {
      case "", "restrict" -> Mode.RESTRICT;
      case "dissociate" -> Mode.DISSOCIATE;
      case "delete" -> Mode.DELETE;
      default -> throw new CliException("unsupported mode " + SpireText.quote(mode));
    };
    BatchDeleteFederatedBundleResponse response;
    try {
      response = client.bundles().batchDeleteFederatedBundle(
          BatchDeleteFederatedBundleRequest.newBuilder().setMode(m).addTrustDomains(id).build());
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.wrap("failed to delete federated bundle", e);
    }
    print(env, response, r -> {
      if (r.getResultsCount() == 0) {
        throw new CliException("failed to delete federated bundle: the server returned no result");
      }
      BatchDeleteFederatedBundleResponse.Result result = r.getResults(0);
      if (result.getStatus().getCode() != 0) {
        throw new CliException("failed to delete federated bundle "
            + SpireText.quote(result.getTrustDomain()) + ": " + result.getStatus().getMessage());
      }
      env.out().print("bundle deleted.\n");
    });
  }
}
