package io.synid.server.cli;

import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * {@code -socketPath} and {@code -instance}, on every command that talks to the server.
 *
 * <p>Resolution follows SPIRE's CLI: an explicit {@code -socketPath} wins; otherwise
 * {@code -instance} is substituted for {@code %i} in {@value #TEMPLATE_VARIABLE}; otherwise
 * {@value #SOCKET_VARIABLE}; otherwise {@value #DEFAULT_SOCKET_PATH}.
 */
public final class SocketOptions {
  /** Where the server's admin API listens unless configured otherwise. */
  public static final String DEFAULT_SOCKET_PATH = "/tmp/synid-server/private/api.sock";
  static final String SOCKET_VARIABLE = "SYNID_SERVER_PRIVATE_SOCKET";
  static final String TEMPLATE_VARIABLE = "SYNID_SERVER_PRIVATE_SOCKET_TEMPLATE";

  @Option(names = {"-socketPath", "--socketPath"}, paramLabel = "<path>",
      description = "Path to the server API socket (default: " + DEFAULT_SOCKET_PATH + ")")
  String socketPath = DEFAULT_SOCKET_PATH;

  @Option(names = {"-instance", "--instance"}, paramLabel = "<name>",
      description = "Instance name to substitute into the socket template (env "
          + TEMPLATE_VARIABLE + ")")
  String instance = "";

  /** The socket to dial. */
  public Path resolve(Function<String, String> variables) throws CliException {
    String template = nullToEmpty(variables.apply(TEMPLATE_VARIABLE));
    String socket = nullToEmpty(variables.apply(SOCKET_VARIABLE));
    if (!instance.isEmpty()) {
      if (template.isEmpty()) {
        throw new CliException("you must define " + TEMPLATE_VARIABLE + " to use the instance flag");
      }
      if (!template.contains("%i")) {
        throw new CliException("failed to find %i in " + TEMPLATE_VARIABLE);
      }
    }
    if (!socketPath.equals(DEFAULT_SOCKET_PATH)) {
      return Path.of(socketPath);
    }
    if (!instance.isEmpty()) {
      return Path.of(template.replace("%i", instance));
    }
    if (!socket.isEmpty()) {
      return Path.of(socket);
    }
    return Path.of(DEFAULT_SOCKET_PATH);
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
