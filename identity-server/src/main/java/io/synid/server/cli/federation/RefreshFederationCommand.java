package io.synid.server.cli.federation;

import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.trustdomain.v1.RefreshBundleRequest;
import io.synid.api.spire.types.Status;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.SpireText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code federation refresh -id <td>}: fetches the trust domain's bundle from its endpoint now. */
@Command(name = "refresh", description = "Refreshes the bundle from the specified federated trust domain")
public final class RefreshFederationCommand extends AdminCommand {
  @Option(names = {"-id", "--id"}, paramLabel = "<trust domain>",
      description = "SPIFFE ID of the trust domain")
  String id = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (id.isEmpty()) {
      throw new CliException("id is required");
    }
    try {
      client.trustDomains().refreshBundle(RefreshBundleRequest.newBuilder().setTrustDomain(id).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
        throw new CliException("there is no federation relationship with trust domain "
            + SpireText.quote(id), e);
      }
      throw GrpcErrors.wrap("failed to refresh bundle", e);
    }
    // SPIRE prints an OK status as the JSON of this command.
    Status ok = Status.newBuilder().setCode(0).setMessage("OK").build();
    print(env, ok, s -> env.out().print("Bundle refreshed\n"));
  }
}
