package io.synid.server.cli.bundle;

import io.synid.api.spire.server.bundle.v1.GetBundleRequest;
import io.synid.api.spire.types.Bundle;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bundle show}: this server's trust bundle, as PEM roots (the agents'
 * {@code trust_bundle_path}) or as a SPIFFE bundle document.
 */
@Command(name = "show", description = "Prints server CA bundle to stdout")
public final class ShowBundleCommand extends AdminCommand {
  @Option(names = {"-format", "--format"}, paramLabel = "<format>",
      description = "The format to show the bundle (pretty output only): \"pem\" or \"spiffe\" (default: pem)")
  String format = BundlePrinter.FORMAT_PEM;

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    Bundle bundle = client.bundles().getBundle(GetBundleRequest.getDefaultInstance());
    print(env, bundle, b -> BundlePrinter.print(env.out(), b, format, false));
  }
}
