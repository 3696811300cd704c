package io.synid.server.cli;

import io.synid.server.SynidServerApplication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code synid-server run -config <file>}: starts the identity server in the foreground. */
@Command(name = "run", description = "Runs the identity server")
public final class RunCommand implements Callable<Integer> {
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
    // Dropwizard exits the JVM with status 1 on a configuration or start-up error, after
    // printing which field is wrong.
    new SynidServerApplication().run("server", config);
    Thread.currentThread().join();
    return 0;
  }
}
