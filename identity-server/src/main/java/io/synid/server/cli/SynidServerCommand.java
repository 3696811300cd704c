package io.synid.server.cli;

import io.synid.server.cli.agent.AgentCommand;
import io.synid.server.cli.bundle.BundleCommand;
import io.synid.server.cli.entry.EntryCommand;
import io.synid.server.cli.federation.FederationCommand;
import io.synid.server.cli.flow.FlowCommand;
import io.synid.server.cli.healthcheck.HealthcheckCommand;
import io.synid.server.cli.jwt.JwtCommand;
import io.synid.server.cli.policy.PolicyCommand;
import io.synid.server.cli.token.TokenCommand;
import io.synid.server.cli.x509.X509Command;
import java.io.PrintWriter;
import java.util.Objects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine;

/**
 * {@code synid-server}: the server ({@code run}, {@code validate}) and its admin CLI, whose
 * command names, flags, output and exit statuses are those of SPIRE's {@code spire-server}, so
 * operators' scripts keep working.
 *
 * <p>Build the command line with {@link #commandLine()}: it sets the parsing rules of Go's flag
 * package (a repeated flag overrides the earlier one; no clustered short options) and reports
 * usage errors as {@code Error: <message>} with exit status 1.
 */
@Command(name = "synid-server",
    description = "The Synid identity server and its administration commands.",
    synopsisSubcommandLabel = "<command>",
    subcommands = {
      RunCommand.class,
      ValidateCommand.class,
      HealthcheckCommand.class,
      TokenCommand.class,
      EntryCommand.class,
      BundleCommand.class,
      AgentCommand.class,
      FederationCommand.class,
      X509Command.class,
      JwtCommand.class,
      PolicyCommand.class,
      FlowCommand.class,
    })
public final class SynidServerCommand {
  @Mixin
  HelpOption help;

  private final CliEnvironment environment;
  private final boolean ownsProcess;

  public SynidServerCommand() {
    this(CliEnvironment.system(), true);
  }

  public SynidServerCommand(CliEnvironment environment) {
    this(environment, false);
  }

  private SynidServerCommand(CliEnvironment environment, boolean ownsProcess) {
    this.environment = Objects.requireNonNull(environment, "environment");
    this.ownsProcess = ownsProcess;
  }

  CliEnvironment environment() {
    return environment;
  }

  /** Whether this is the process's own command line (which exits when the command is done). */
  boolean ownsProcess() {
    return ownsProcess;
  }

  /** The command line of the process: standard streams, Unix-socket admin clients. */
  public static CommandLine commandLine() {
    return configure(new CommandLine(new SynidServerCommand()));
  }

  /** A command line run inside a larger process (tests), whose commands use {@code environment}. */
  public static CommandLine commandLine(CliEnvironment environment) {
    return configure(new CommandLine(new SynidServerCommand(environment)));
  }

  private static CommandLine configure(CommandLine cli) {
    CliEnvironment environment = ((SynidServerCommand) cli.getCommand()).environment;
    cli.setOverwrittenOptionsAllowed(true);
    cli.setPosixClusteredShortOptionsAllowed(false);
    cli.setOut(new PrintWriter(environment.out(), true));
    cli.setErr(new PrintWriter(environment.err(), true));
    cli.setParameterExceptionHandler((e, args) -> {
      CommandLine failed = e.getCommandLine();
      PrintWriter err = failed.getErr();
      // Options have Go's single-dash name and a double-dash alias; name them as SPIRE does.
      err.print("Error: " + e.getMessage().replace("'--", "'-") + "\n");
      failed.usage(err);
      err.flush();
      return 1;
    });
    cli.setExecutionExceptionHandler((e, failed, parseResult) -> {
      PrintWriter err = failed.getErr();
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      err.print("Error: " + message + "\n");
      err.flush();
      return 1;
    });
    return cli;
  }
}
