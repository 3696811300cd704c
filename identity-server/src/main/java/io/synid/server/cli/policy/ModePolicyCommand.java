package io.synid.server.cli.policy;

import io.synid.api.policy.v1.SetModeRequest;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code policy mode -spiffeID <id> -mode monitor|enforce|clear}, or {@code policy mode <id>
 * monitor|enforce|clear}: overrides the mode of one protected workload ({@code clear} removes the
 * override, so its policies' mode applies again).
 */
@Command(name = "mode", description = "Sets or clears the mode of a protected workload")
public final class ModePolicyCommand extends AdminCommand {
  @Option(names = {"-spiffeID", "--spiffeID"}, paramLabel = "<spiffe id>",
      description = "The protected workload's SPIFFE ID")
  String spiffeId = "";

  @Option(names = {"-mode", "--mode"}, paramLabel = "<mode>",
      description = "monitor, enforce, or clear (remove the override)")
  String mode = "";

  @Parameters(arity = "0..2", paramLabel = "<arg>",
      description = "<spiffe id> <mode>: the same as -spiffeID and -mode")
  List<String> positional = new ArrayList<>();

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    String id = spiffeId;
    String m = mode;
    if (!positional.isEmpty()) {
      if (positional.size() != 2 || !id.isEmpty() || !m.isEmpty()) {
        throw new CliException("give the workload and the mode either as -spiffeID and -mode or as"
            + " two arguments: policy mode <spiffe id> monitor|enforce|clear");
      }
      id = positional.get(0);
      m = positional.get(1);
    }
    if (id.isEmpty()) {
      throw new CliException("a SPIFFE ID is required");
    }
    String wire = switch (m) {
      case "monitor", "enforce" -> m;
      case "clear" -> "";
      default -> throw new CliException("mode must be monitor, enforce or clear, not \"" + m + "\"");
    };
    var response = client.policies().setMode(SetModeRequest.newBuilder().setSpiffeId(id)
        .setMode(wire).build());
    String done = id;
    print(env, response, r -> env.out().print((wire.isEmpty()
        ? "Mode override cleared for " + done : "Mode of " + done + ": " + wire)
        + "\nPolicy set version: " + r.getVersion() + "\n"));
  }
}
