package io.synid.server.cli;

import ch.qos.logback.classic.Level;
import com.google.protobuf.MessageOrBuilder;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that talks to the server's admin API: it takes {@code -socketPath},
 * {@code -instance} and {@code -output}, and reports any failure as {@code Error: <message>} on
 * stderr with exit status 1.
 */
public abstract class AdminCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  SocketOptions socket;

  @Mixin
  protected OutputOption output;

  @Mixin
  HelpOption help;

  /**
   * Does the work. Throw {@link CliException} for an operator-facing failure; a
   * {@link StatusRuntimeException} escaping from a call is reported in grpc-go's wording.
   */
  protected abstract void run(AdminClient client, CliEnvironment env) throws CliException;

  @Override
  public final Integer call() {
    Level logging = CliLogging.silence();
    CliEnvironment env = environment();
    try (AdminClient client = env.clients().connect(socket.resolve(env.variables()))) {
      run(client, env);
      return 0;
    } catch (CliException e) {
      env.err().print("Error: " + e.getMessage() + "\n");
      return 1;
    } catch (StatusRuntimeException e) {
      env.err().print("Error: " + GrpcErrors.describe(e) + "\n");
      return 1;
    } finally {
      // The process's own command line exits right after; transports may still log while
      // shutting down, so logging stays off there. Embedded runs (tests) get it back.
      if (!ownsProcess()) {
        CliLogging.restore(logging);
      }
    }
  }

  private boolean ownsProcess() {
    return spec != null && spec.root().userObject() instanceof SynidServerCommand root
        && root.ownsProcess();
  }

  /** The environment of the root command, or the process's when run on its own. */
  protected CliEnvironment environment() {
    if (spec != null && spec.root().userObject() instanceof SynidServerCommand root) {
      return root.environment();
    }
    return CliEnvironment.system();
  }

  /** Prints a response: its protojson with {@code -output json}, else through {@code pretty}. */
  protected <T extends MessageOrBuilder> void print(CliEnvironment env, T response,
      PrettyPrinter<T> pretty) throws CliException {
    if (output.isJson()) {
      ProtoJson.print(env.out(), response);
    } else {
      pretty.print(response);
    }
  }

  /** The human layout of one response type. */
  @FunctionalInterface
  protected interface PrettyPrinter<T> {
    void print(T response) throws CliException;
  }
}
