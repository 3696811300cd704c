package io.synid.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.synid.server.cli.CliHarness.Result;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What every command shares: flags, sockets, output formats, usage errors. */
class CommandLineTest {
  private final CliHarness cli = new CliHarness();

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  @Test
  void commandsDialTheDefaultSocketUnlessTold() {
    cli.run("entry", "count");
    cli.run("entry", "count", "-socketPath", "/run/synid/api.sock");
    cli.run("entry", "count", "--socketPath=/run/other.sock");

    assertThat(cli.dialed).containsExactly(Path.of("/tmp/synid-server/private/api.sock"),
        Path.of("/run/synid/api.sock"), Path.of("/run/other.sock"));
  }

  @Test
  void socketFromEnvironmentAndInstanceTemplate() {
    cli.variables.put("SYNID_SERVER_PRIVATE_SOCKET", "/run/env.sock");
    cli.run("entry", "count");
    cli.variables.put("SYNID_SERVER_PRIVATE_SOCKET_TEMPLATE", "/run/synid-%i/api.sock");
    cli.run("entry", "count", "-instance", "blue");
    cli.run("entry", "count", "-instance", "blue", "-socketPath", "/run/explicit.sock");

    assertThat(cli.dialed).containsExactly(Path.of("/run/env.sock"), Path.of("/run/synid-blue/api.sock"),
        Path.of("/run/explicit.sock"));
  }

  @Test
  void instanceNeedsATemplate() {
    Result r = cli.run("entry", "count", "-instance", "blue");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo(
        "Error: you must define SYNID_SERVER_PRIVATE_SOCKET_TEMPLATE to use the instance flag\n");
    cli.variables.put("SYNID_SERVER_PRIVATE_SOCKET_TEMPLATE", "/run/api.sock");
    assertThat(cli.run("entry", "count", "-instance", "blue").err()).isEqualTo(
        "Error: failed to find %i in SYNID_SERVER_PRIVATE_SOCKET_TEMPLATE\n");
  }

  @Test
  void outputFormatIsCaseInsensitiveAndValidated() {
    assertThat(cli.run("bundle", "count", "-output", "JSON").out()).isEqualTo("{\"count\":1}\n");
    assertThat(cli.run("bundle", "count", "-output", "prettyprint").out()).isEqualTo("1 bundle\n");

    int calls = cli.bundles.requests.size();
    Result bad = cli.run("bundle", "count", "-output", "yaml");

    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).startsWith("Error: Invalid value for option '-output': "
        + "bad formatter flag: unknown format option: \"yaml\"\nUsage: synid-server bundle count");
    assertThat(cli.bundles.requests).hasSize(calls);
  }

  @Test
  void unknownFlagsAndStrayArgumentsAreUsageErrors() {
    Result unknown = cli.run("entry", "create", "-foo");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).startsWith("Error: Unknown option: '-foo'\nUsage: synid-server entry create");

    Result stray = cli.run("entry", "show", "extra");
    assertThat(stray.exit()).isEqualTo(1);
    assertThat(stray.err()).startsWith("Error: Unmatched argument at index 2: 'extra'");
    assertThat(cli.entries.requests).isEmpty();
  }

  @Test
  void aGroupWithoutItsCommandShowsUsage() {
    Result r = cli.run("entry");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("Error: Missing required subcommand\nUsage: synid-server entry")
        .contains("create", "update", "show", "count", "delete", "apply");
  }

  @Test
  void helpGoesToStdoutWithStatusZero() {
    for (String flag : new String[] {"-h", "-help", "--help"}) {
      Result r = cli.run("entry", "create", flag);
      assertThat(r.exit()).isZero();
      assertThat(r.out()).startsWith("Usage: synid-server entry create").contains("-spiffeID", "-selector");
    }
    assertThat(cli.run("-h").out()).contains("healthcheck", "token", "entry", "bundle", "agent", "x509",
        "jwt", "run", "validate");
  }

  @Test
  void missingFlagValue() {
    Result r = cli.run("entry", "show", "-spiffeID");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("Error: Missing required parameter for option '-spiffeID'");
  }

  @Test
  void healthcheck() {
    Result ok = cli.run("healthcheck");
    assertThat(ok.exit()).isZero();
    assertThat(ok.out()).isEqualTo("Server is healthy.\n");

    assertThat(cli.run("healthcheck", "-verbose").out()).isEqualTo("Checking server health...\nServer is healthy.\n");
    assertThat(cli.run("healthcheck", "-shallow").exit()).isZero();

    cli.health.setStatus("", ServingStatus.NOT_SERVING);
    Result down = cli.run("healthcheck");
    assertThat(down.exit()).isEqualTo(1);
    assertThat(down.err()).isEqualTo("Error: server is unhealthy: server returned status \"NOT_SERVING\"\n");
  }
}
