package io.synid.server.cli.policy;

import io.synid.api.policy.v1.SuggestPoliciesRequest;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code policy suggest [-destination <id>]... [-mode monitor|enforce]}: policies that allow what
 * was observed, as a policy file; the server keeps the suggestion under the printed ID for
 * {@code policy accept}.
 */
@Command(name = "suggest", description = "Suggests policies from the observed flows")
public final class SuggestPolicyCommand extends AdminCommand {
  @Option(names = {"-destination", "--destination"}, paramLabel = "<spiffe id>",
      description = "Only flows to this SPIFFE ID (can be used more than once); default: all")
  List<String> destinations = new ArrayList<>();

  @Option(names = {"-mode", "--mode"}, paramLabel = "<mode>",
      description = "Mode of the suggested policies: monitor (default) or enforce")
  String mode = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    var response = client.policies().suggestPolicies(SuggestPoliciesRequest.newBuilder()
        .addAllDestinationSpiffeIds(destinations).setMode(mode).build());
    print(env, response, r -> {
      if (r.getSuggestionId().isEmpty()) {
        env.out().print("No flows observed: nothing to suggest\n");
        return;
      }
      env.out().print("# Suggestion " + r.getSuggestionId() + " covers " + r.getFlows()
          + (r.getFlows() == 1 ? " observed flow" : " observed flows") + ".\n"
          + "# Review it, then: synid-server policy accept -id " + r.getSuggestionId() + "\n"
          + r.getYaml());
    });
  }
}
