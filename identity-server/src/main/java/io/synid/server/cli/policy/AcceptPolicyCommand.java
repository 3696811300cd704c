package io.synid.server.cli.policy;

import io.synid.api.policy.v1.AcceptSuggestionRequest;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code policy accept -id <suggestion id>}: applies a suggestion as {@code policy apply} would. */
@Command(name = "accept", description = "Applies a suggestion made by 'policy suggest'")
public final class AcceptPolicyCommand extends AdminCommand {
  @Option(names = {"-id", "--id"}, paramLabel = "<id>", description = "The suggestion's ID")
  String id = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (id.isEmpty()) {
      throw new CliException("a suggestion ID is required");
    }
    var response = client.policies().acceptSuggestion(
        AcceptSuggestionRequest.newBuilder().setSuggestionId(id).build());
    print(env, response, r -> PolicyPrinter.printApplied(env.out(), r));
  }
}
