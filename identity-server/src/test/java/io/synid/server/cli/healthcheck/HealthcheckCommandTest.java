package io.synid.server.cli.healthcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import org.junit.jupiter.api.Test;

class HealthcheckCommandTest {
  @Test
  void unreachableServerIsUnhealthyAndVerboseSaysWhy() throws InterruptedException {
    CliHarness cli = new CliHarness();
    cli.close();

    Result r = cli.run("healthcheck", "-verbose");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEqualTo("Checking server health...\n");
    assertThat(r.err()).startsWith("Failed to check health: rpc error: code = Unavailable desc = ")
        .endsWith("\nError: server is unhealthy: unable to determine health\n");
    assertThat(cli.run("healthcheck").err()).isEqualTo("Error: server is unhealthy: unable to determine health\n");
  }
}
