package io.synid.server.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Function;

/**
 * What the CLI commands touch outside themselves: standard streams, environment variables, the
 * clock and the way to reach the server. Production uses {@link #system()}; tests capture the
 * streams and connect to an in-process server.
 *
 * @param variables looks up an environment variable, {@code null} when unset
 * @param clock the current time and the local time zone (agent expiry times print in it, as
 *     SPIRE prints them)
 */
public record CliEnvironment(
    PrintStream out,
    PrintStream err,
    InputStream in,
    AdminClientFactory clients,
    Function<String, String> variables,
    Clock clock) {

  public CliEnvironment {
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(err, "err");
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(clients, "clients");
    Objects.requireNonNull(variables, "variables");
    Objects.requireNonNull(clock, "clock");
  }

  /** The process's streams and environment, and Unix-socket clients. */
  public static CliEnvironment system() {
    return new CliEnvironment(System.out, System.err, System.in, AdminClient::overUnixSocket,
        System::getenv, Clock.systemDefaultZone());
  }
}
