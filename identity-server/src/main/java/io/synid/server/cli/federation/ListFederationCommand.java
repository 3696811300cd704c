package io.synid.server.cli.federation;

import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.trustdomain.v1.ListFederationRelationshipsRequest;
import io.synid.api.spire.server.trustdomain.v1.ListFederationRelationshipsResponse;
import io.synid.api.spire.types.FederationRelationship;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.SpireText;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code federation list}: every federation relationship. */
@Command(name = "list", description = "Lists all dynamic federation relationships")
public final class ListFederationCommand extends AdminCommand {
  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    List<FederationRelationship> all = new ArrayList<>();
    String pageToken = "";
    do {
      ListFederationRelationshipsResponse page;
      try {
        page = client.trustDomains().listFederationRelationships(
            ListFederationRelationshipsRequest.newBuilder().setPageToken(pageToken).build());
      } catch (StatusRuntimeException e) {
        throw GrpcErrors.wrap("error listing federation relationship", e);
      }
      all.addAll(page.getFederationRelationshipsList());
      pageToken = page.getNextPageToken();
    } while (!pageToken.isEmpty());
    ListFederationRelationshipsResponse response =
        ListFederationRelationshipsResponse.newBuilder().addAllFederationRelationships(all).build();
    print(env, response, r -> {
      int n = r.getFederationRelationshipsCount();
      env.out().print(SpireText.plural("Found " + n + " ", "federation relationship",
          "federation relationships", n) + "\n");
      for (FederationRelationship fr : r.getFederationRelationshipsList()) {
        env.out().print("\n");
        FederationPrinter.print(env.out(), fr);
      }
    });
  }
}
