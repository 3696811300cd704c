package io.synid.server.cli.federation;

import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.trustdomain.v1.BatchDeleteFederationRelationshipRequest;
import io.synid.api.spire.server.trustdomain.v1.BatchDeleteFederationRelationshipResponse;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.SpireText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code federation delete -id <td>}. */
@Command(name = "delete", description = "Deletes a dynamic federation relationship")
public final class DeleteFederationCommand extends AdminCommand {
  @Option(names = {"-id", "--id"}, paramLabel = "<trust domain>",
      description = "SPIFFE ID of the trust domain")
  String id = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (id.isEmpty()) {
      throw new CliException("id is required");
    }
    BatchDeleteFederationRelationshipResponse response;
    try {
      response = client.trustDomains().batchDeleteFederationRelationship(
          BatchDeleteFederationRelationshipRequest.newBuilder().addTrustDomains(id).build());
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.wrap("failed to delete federation relationship", e);
    }
    print(env, response, r -> {
      if (r.getResultsCount() == 0) {
        throw new CliException("failed to delete federation relationship: the server returned no result");
      }
      BatchDeleteFederationRelationshipResponse.Result result = r.getResults(0);
      if (result.getStatus().getCode() != 0) {
        throw new CliException("failed to delete federation relationship "
            + SpireText.quote(result.getTrustDomain()) + ": " + result.getStatus().getMessage());
      }
      env.out().print("federation relationship deleted.\n");
    });
  }
}
