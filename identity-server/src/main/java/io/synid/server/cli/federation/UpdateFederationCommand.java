package io.synid.server.cli.federation;

import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.trustdomain.v1.BatchUpdateFederationRelationshipRequest;
import io.synid.api.spire.server.trustdomain.v1.BatchUpdateFederationRelationshipResponse;
import io.synid.api.spire.types.FederationRelationship;
import io.synid.api.spire.types.Status;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GrpcErrors;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code federation update}: replaces relationships from flags or a {@code -data} file. */
@Command(name = "update",
    description = "Updates a dynamic federation relationship with a foreign trust domain")
public final class UpdateFederationCommand extends AdminCommand {
  @Mixin
  FederationRelationshipFlags flags;

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    List<FederationRelationship> asked = FederationRelationships.fromCommandLine(flags, env.in());
    BatchUpdateFederationRelationshipResponse response;
    try {
      response = client.trustDomains().batchUpdateFederationRelationship(
          BatchUpdateFederationRelationshipRequest.newBuilder().addAllFederationRelationships(asked).build());
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.wrap("request failed", e);
    }
    print(env, response, r -> {
      List<FederationRelationship> shown = new ArrayList<>();
      List<Status> statuses = new ArrayList<>();
      for (int i = 0; i < r.getResultsCount(); i++) {
        BatchUpdateFederationRelationshipResponse.Result result = r.getResults(i);
        statuses.add(result.getStatus());
        shown.add(result.getStatus().getCode() == 0 || i >= asked.size()
            ? result.getFederationRelationship() : asked.get(i));
      }
      if (FederationPrinter.printBatch(env.out(), env.err(), "update", shown, statuses)) {
        throw new CliException("failed to update one or more federation relationships");
      }
    });
  }
}
