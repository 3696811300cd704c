package io.synid.server.cli.policy;

import io.synid.api.policy.v1.DeletePolicyRequest;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code policy delete -name <name>}. */
@Command(name = "delete", description = "Deletes a policy")
public final class DeletePolicyCommand extends AdminCommand {
  @Option(names = {"-name", "--name"}, paramLabel = "<name>", description = "The policy's name")
  String name = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (name.isEmpty()) {
      throw new CliException("a policy name is required");
    }
    var response = client.policies().deletePolicy(DeletePolicyRequest.newBuilder().setName(name).build());
    print(env, response, r -> env.out().print("Deleted policy " + name + "\nPolicy set version: "
        + r.getVersion() + "\n"));
  }
}
