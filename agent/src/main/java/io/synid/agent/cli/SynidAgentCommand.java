package io.synid.agent.cli;

import io.synid.agent.AgentDaemon;
import io.synid.agent.AgentTerminatedException;

import io.synid.agent.config.AgentSettings;
import io.synid.agent.config.InvalidAgentConfigException;
import io.synid.agent.workload.WorkloadAttestors;
import io.synid.workloadattestor.InvalidConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code synid-agent}: runs the agent, validates its configuration, and queries a Workload API. */
@Command(name = "synid-agent",
    description = "The Synid node agent: node attestation, the SPIFFE Workload API, workload attestation.",
    subcommands = {SynidAgentCommand.Run.class, SynidAgentCommand.Validate.class,
        WorkloadApiCommands.Api.class, WorkloadApiCommands.Healthcheck.class})
public final class SynidAgentCommand implements Callable<Integer> {
  @CommandLine.Mixin HelpOption helpOption;

  // Held strongly: java.util.logging forgets the level of a logger nobody references.
  private static final java.util.logging.Logger NETTY_BOOTSTRAP_LOG =
      java.util.logging.Logger.getLogger("io.netty.bootstrap");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }

  /** The command line, with SPIRE-style single-dash long options allowed. */
  public static CommandLine commandLine() {
    return new CommandLine(new SynidAgentCommand());
  }

  public static void main(String[] args) {
    // gRPC asks every channel for SO_KEEPALIVE, which Unix sockets do not have; Netty's warning
    // about it would end up in every `api` command's output.
    NETTY_BOOTSTRAP_LOG.setLevel(java.util.logging.Level.SEVERE);
    System.exit(commandLine().execute(args));
  }

  /** {@code run}: starts the agent and serves until stopped. */
  @Command(name = "run", description = "Runs the agent.")
  static final class Run implements Callable<Integer> {
    @CommandLine.Mixin HelpOption helpOption;

    @Option(names = {"-config", "--config"}, required = true, description = "Path to the agent configuration (YAML).")
    Path config;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter err = spec.commandLine().getErr();
      AgentSettings settings;
      try {
        settings = AgentSettings.load(config);
      } catch (InvalidAgentConfigException e) {
        err.println("invalid configuration " + e.getMessage());
        return 1;
      } catch (IOException e) {
        err.println("cannot read " + config + ": " + e.getMessage());
        return 1;
      }
      AgentDaemon daemon;
      try {
        daemon = AgentDaemon.start(settings, Clock.systemUTC());
      } catch (AgentTerminatedException | IOException e) {
        err.println("synid-agent: " + e.getMessage());
        return 1;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "agent-shutdown"));
      AgentTerminatedException reason = daemon.terminated().get();
      err.println("synid-agent: " + reason.getMessage());
      daemon.close();
      return 1;
    }
  }

  /** {@code validate}: checks a configuration file and reports every problem. */
  @Command(name = "validate", description = "Validates an agent configuration file.")
  static final class Validate implements Callable<Integer> {
    @CommandLine.Mixin HelpOption helpOption;

    @Option(names = {"-config", "--config"}, required = true, description = "Path to the agent configuration (YAML).")
    Path config;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try {
        AgentSettings settings = AgentSettings.load(config);
        WorkloadAttestors.fromConfig(settings.workloadAttestors(), Runnable::run);
        spec.commandLine().getOut().println("Agent configuration file is valid.");
        return 0;
      } catch (InvalidConfigException e) {
        spec.commandLine().getErr().println("invalid configuration " + config
            + ": workloadAttestors: " + String.join("; ", e.problems()));
      } catch (InvalidAgentConfigException e) {
        spec.commandLine().getErr().println("invalid configuration " + e.getMessage());
      } catch (IOException e) {
        spec.commandLine().getErr().println("cannot read " + config + ": " + e.getMessage());
      }
      return 1;
    }
  }
}
