package io.synid.server.cli.healthcheck;

import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.SpireText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code healthcheck}: asks the server's {@code grpc.health.v1.Health} service (overall status)
 * and prints {@code Server is healthy.}; otherwise fails with
 * {@code Error: server is unhealthy: ...}.
 */
@Command(name = "healthcheck", description = "Determines server health status")
public final class HealthcheckCommand extends AdminCommand {
  @Option(names = {"-shallow", "--shallow"}, arity = "0..1", paramLabel = "<bool>",
      description = "Perform a less stringent health check")
  boolean shallow;

  @Option(names = {"-verbose", "--verbose"}, arity = "0..1", paramLabel = "<bool>",
      description = "Print verbose information")
  boolean verbose;

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (verbose) {
      env.out().print("Checking server health...\n");
    }
    HealthCheckResponse response;
    try {
      response = client.health().check(HealthCheckRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      if (verbose) {
        env.err().print("Failed to check health: " + GrpcErrors.describe(e) + "\n");
      }
      throw new CliException("server is unhealthy: unable to determine health", e);
    }
    if (response.getStatus() != HealthCheckResponse.ServingStatus.SERVING) {
      throw new CliException("server is unhealthy: server returned status "
          + SpireText.quote(response.getStatus().name()));
    }
    print(env, response, r -> env.out().print("Server is healthy.\n"));
  }
}
