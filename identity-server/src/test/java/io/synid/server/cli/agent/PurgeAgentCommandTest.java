package io.synid.server.cli.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import io.synid.api.spire.server.agent.v1.DeleteAgentRequest;
import io.synid.api.spire.server.agent.v1.ListAgentsRequest;
import io.synid.api.spire.types.Agent;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PurgeAgentCommandTest {
  private final CliHarness cli = new CliHarness();

  private void agent(String name, Duration expiredAgo) {
    cli.agents.add(Agent.newBuilder()
        .setId(SPIFFEID.newBuilder().setTrustDomain("example.org").setPath("/spire/agent/aws_iid/" + name))
        .setCanReattest(true)
        .setX509SvidExpiresAt(CliHarness.NOW.minus(expiredAgo).getEpochSecond())
        .build());
  }

  @BeforeEach
  void agents() {
    agent("old", Duration.ofDays(40));
    agent("recent", Duration.ofDays(2));
  }

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  @Test
  void purgesAgentsExpiredLongerThanTheThreshold() {
    Result r = cli.run("agent", "purge");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("Found 1 expired agent\n\nAgents purged:\n"
        + "SPIFFE ID         : spiffe://example.org/spire/agent/aws_iid/old\n");
    ListAgentsRequest list = cli.agents.requests(ListAgentsRequest.class).get(0);
    assertThat(list.getFilter().getByCanReattest()).isEqualTo(BoolValue.of(true));
    assertThat(list.getOutputMask().getX509SvidExpiresAt()).isTrue();
    assertThat(cli.agents.requests(DeleteAgentRequest.class)).hasSize(1);
  }

  @Test
  void dryRunOnlyLists() {
    Result r = cli.run("agent", "purge", "-expiredFor", "24h", "-dryRun");

    assertThat(r.out()).isEqualTo("Found 2 expired agents\n\n\nAgents that can be purged:\n"
        + "SPIFFE ID         : spiffe://example.org/spire/agent/aws_iid/old\n"
        + "SPIFFE ID         : spiffe://example.org/spire/agent/aws_iid/recent\n");
    assertThat(cli.agents.requests(DeleteAgentRequest.class)).isEmpty();
  }

  @Test
  void jsonAndNothingToPurge() {
    assertThat(cli.run("agent", "purge", "-output", "json").out()).isEqualTo(
        "{\"expired_agents\":[{\"agent_id\":\"spiffe://example.org/spire/agent/aws_iid/old\",\"deleted\":true}]}\n");
    assertThat(cli.run("agent", "purge").out()).isEqualTo("No agents to purge.\n");
    assertThat(cli.run("agent", "purge", "-expiredFor", "720h", "-output", "json").out())
        .isEqualTo("{\"expired_agents\":[]}\n");
  }
}
