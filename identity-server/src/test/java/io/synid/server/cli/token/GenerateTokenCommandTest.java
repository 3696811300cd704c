package io.synid.server.cli.token;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.api.spire.server.agent.v1.CreateJoinTokenRequest;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GenerateTokenCommandTest {
  private final CliHarness cli = new CliHarness();

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  @Test
  void withASpiffeIdTheRequestCarriesTheAgentIdForTheAliasEntry() {
    Result r = cli.run("token", "generate", "-spiffeID", "spiffe://example.org/host", "-ttl", "3600");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("Token: 6f2d3c3a-1b36-4c7e-9b7a-2f1e5b0a9c11\n");
    assertThat(r.out().split(" ")[1].trim()).isEqualTo(cli.agents.tokenValue);
    assertThat(cli.agents.requests(CreateJoinTokenRequest.class)).containsExactly(
        CreateJoinTokenRequest.newBuilder()
            .setAgentId(SPIFFEID.newBuilder().setTrustDomain("example.org").setPath("/host"))
            .setTtl(3600)
            .build());
  }

  @Test
  void withoutASpiffeIdItWarnsAndTheTtlDefaultsTo600() {
    Result r = cli.run("token", "generate");

    assertThat(r.out()).isEqualTo("Token: 6f2d3c3a-1b36-4c7e-9b7a-2f1e5b0a9c11\nWarning: Missing SPIFFE ID.\n");
    assertThat(cli.agents.requests(CreateJoinTokenRequest.class)).containsExactly(
        CreateJoinTokenRequest.newBuilder().setTtl(600).build());
  }

  @Test
  void jsonIsTheJoinToken() {
    assertThat(cli.run("token", "generate", "-output", "json", "-ttl", "60").out())
        .isEqualTo("{\"expires_at\":\"1704067260\",\"value\":\"6f2d3c3a-1b36-4c7e-9b7a-2f1e5b0a9c11\"}\n");
  }

  @Test
  void invalidInput() {
    assertThat(cli.run("token", "generate", "-spiffeID", "nope").err()).isEqualTo("Error: scheme is missing or invalid\n");
    assertThat(cli.run("token", "generate", "-ttl", "99999999999").err())
        .isEqualTo("Error: invalid value for TTL: overflow converting int(99999999999) to int32\n");
    assertThat(cli.run("token", "generate", "-ttl", "ten").err())
        .startsWith("Error: Invalid value for option '-ttl': 'ten' is not a long");
    assertThat(cli.agents.requests).isEmpty();
  }
}
