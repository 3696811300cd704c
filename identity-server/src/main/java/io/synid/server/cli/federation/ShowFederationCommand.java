package io.synid.server.cli.federation;

import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.trustdomain.v1.GetFederationRelationshipRequest;
import io.synid.api.spire.types.FederationRelationship;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GrpcErrors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code federation show -trustDomain <name>}. */
@Command(name = "show", description = "Shows a dynamic federation relationship")
public final class ShowFederationCommand extends AdminCommand {
  @Option(names = {"-trustDomain", "--trustDomain"}, paramLabel = "<name>",
      description = "The trust domain name of the federation relationship to show")
  String trustDomain = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (trustDomain.isEmpty()) {
      throw new CliException("a trust domain name is required");
    }
    FederationRelationship fr;
    try {
      fr = client.trustDomains().getFederationRelationship(
          GetFederationRelationshipRequest.newBuilder().setTrustDomain(trustDomain).build());
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.wrap("error showing federation relationship", e);
    }
    print(env, fr, r -> {
      env.out().print("Found a federation relationship with trust domain " + trustDomain + ":\n\n");
      FederationPrinter.print(env.out(), r);
    });
  }
}
