package io.synid.server.cli.policy;

import io.synid.api.policy.v1.ApplyPoliciesRequest;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.InputFiles;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code policy apply -data <file|->}: stores the policies of a file (docs/policy.md). New names
 * are created, changed ones replaced, equal ones left alone; the server validates the file against
 * the whole resulting set and, if anything is wrong, lists every error and changes nothing.
 */
@Command(name = "apply", description = "Creates or replaces the policies of a policy file")
public final class ApplyPolicyCommand extends AdminCommand {
  @Option(names = {"-data", "--data"}, paramLabel = "<file>",
      description = "Path to a YAML policy file ('-' reads stdin)")
  String data = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (data.isEmpty()) {
      throw new CliException("a policy file is required (-data <file>, or - for stdin)");
    }
    String yaml = new String(InputFiles.readDashForStdin(data, env.in()), StandardCharsets.UTF_8);
    var response = client.policies().applyPolicies(ApplyPoliciesRequest.newBuilder()
        .setSourceName(data.equals("-") ? "stdin" : data).setYaml(yaml).build());
    print(env, response, r -> PolicyPrinter.printApplied(env.out(), r));
  }
}
