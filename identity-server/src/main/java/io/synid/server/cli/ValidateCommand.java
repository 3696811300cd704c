package io.synid.server.cli;

import io.synid.server.SynidServerApplication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code synid-server validate -config <file>}: checks a configuration file and exits. */
@Command(name = "validate", description = "Validates a server configuration file")
public final class ValidateCommand implements Callable<Integer> {
  @Mixin
  HelpOption help;

  @Option(names = "-config", paramLabel = "<file>",
      description = "Path to the server configuration file (default: ${DEFAULT-VALUE})")
  String config = "conf/server/server.yaml";

  @Override
  public Integer call() throws Exception {
    if (!Files.isReadable(Path.of(config))) {
      System.err.println("Error: cannot read configuration file " + config);
      return 1;
    }
    // Dropwizard's "check" command prints every error with its field, and exits 1 on failure.
    new SynidServerApplication().run("check", config);
    System.out.println("Configuration is valid.");
    return 0;
  }
}
