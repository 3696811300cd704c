package io.synid.server.cli.federation;

import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.trustdomain.v1.BatchCreateFederationRelationshipRequest;
import io.synid.api.spire.server.trustdomain.v1.BatchCreateFederationRelationshipResponse;
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

/** {@code federation create}: creates relationships from flags or a {@code -data} file. */
@Command(name = "create",
    description = "Creates a dynamic federation relationship with a foreign trust domain")
public final class CreateFederationCommand extends AdminCommand {
  @Mixin
  FederationRelationshipFlags flags;

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    List<FederationRelationship> asked = FederationRelationships.fromCommandLine(flags, env.in());
    BatchCreateFederationRelationshipResponse response;
    try {
      response = client.trustDomains().batchCreateFederationRelationship(
          BatchCreateFederationRelationshipRequest.newBuilder().addAllFederationRelationships(asked).build());
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.wrap("request failed", e);
    }
    print(env, response, r -> {
      List<FederationRelationship> shown = new ArrayList<>();
      List<Status> statuses = new ArrayList<>();
      for (int i = 0; i < r.getResultsCount(); i++) {
        BatchCreateFederationRelationshipResponse.Result result = r.getResults(i);
        statuses.add(result.getStatus());
        shown.add(result.getStatus().getCode() == 0 || i >= asked.size()
            ? result.getFederationRelationship() : asked.get(i));
      }
      if (FederationPrinter.printBatch(env.out(), env.err(), "create", shown, statuses)) {
        throw new CliException("failed to create one or more federation relationships");
      }
    });
  }
}
