package io.synid.server.cli.bundle;

import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.bundle.v1.BatchSetFederatedBundleRequest;
import io.synid.api.spire.server.bundle.v1.BatchSetFederatedBundleResponse;
import io.synid.api.spire.types.Bundle;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.InputFiles;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bundle set}: creates or replaces the federated bundle of {@code -id} from {@code -path}
 * (stdin when not given), in PEM or SPIFFE format.
 */
@Command(name = "set", description = "Creates or updates federated bundle data")
public final class SetBundleCommand extends AdminCommand {
  @Option(names = {"-id", "--id"}, paramLabel = "<trust domain>",
      description = "SPIFFE ID of the trust domain")
  String id = "";

  @Option(names = {"-path", "--path"}, paramLabel = "<file>",
      description = "Path to the bundle data (default: stdin)")
  String path = "";

  @Option(names = {"-format", "--format"}, paramLabel = "<format>",
      description = "The format of the bundle data: \"pem\" or \"spiffe\" (default: pem)")
  String format = BundlePrinter.FORMAT_PEM;

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (id.isEmpty()) {
      throw new CliException("id flag is required");
    }
    String f = BundlePrinter.validateFormat(format);
    byte[] data;
    try {
      data = path.isEmpty() ? InputFiles.readAll(env.in()) : InputFiles.read(Path.of(path));
    } catch (CliException e) {
      throw new CliException("unable to load bundle data: " + e.getMessage(), e);
    }
    Bundle bundle = BundleData.parse(data, f, id);
    BatchSetFederatedBundleResponse response;
    try {
      response = client.bundles().batchSetFederatedBundle(
          BatchSetFederatedBundleRequest.newBuilder().addBundle(bundle).build());
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.wrap("failed to set federated bundle", e);
    }
    print(env, response, r -> {
      if (r.getResultsCount() == 0) {
        throw new CliException("failed to set federated bundle: the server returned no result");
      }
      BatchSetFederatedBundleResponse.Result result = r.getResults(0);
      if (result.getStatus().getCode() != 0) {
        throw new CliException("failed to set federated bundle: " + result.getStatus().getMessage());
      }
      env.out().print("bundle set.\n");
    });
  }
}
