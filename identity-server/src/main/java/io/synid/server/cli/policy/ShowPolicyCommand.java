package io.synid.server.cli.policy;

import io.synid.api.policy.v1.ListPoliciesRequest;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code policy show [-name <name>]}: the stored policies as a policy file, with the policy-set
 * version and the mode overrides in comments.
 */
@Command(name = "show", description = "Shows the stored policies and mode overrides")
public final class ShowPolicyCommand extends AdminCommand {
  @Option(names = {"-name", "--name"}, paramLabel = "<name>",
      description = "Only the policy with this name")
  String name = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    var response = client.policies().listPolicies(ListPoliciesRequest.newBuilder().setName(name).build());
    print(env, response, r -> PolicyPrinter.printPolicies(env.out(), r));
  }
}
