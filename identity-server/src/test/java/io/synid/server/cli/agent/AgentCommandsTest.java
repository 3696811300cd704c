package io.synid.server.cli.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import io.synid.api.spire.server.agent.v1.BanAgentRequest;
import io.synid.api.spire.server.agent.v1.CountAgentsRequest;
import io.synid.api.spire.server.agent.v1.DeleteAgentRequest;
import io.synid.api.spire.server.agent.v1.ListAgentsRequest;
import io.synid.api.spire.types.Agent;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.Selector;
import io.synid.api.spire.types.SelectorMatch;
import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import java.time.Clock;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AgentCommandsTest {
  private final CliHarness cli = new CliHarness();

  private static SPIFFEID agentId(String token) {
    return SPIFFEID.newBuilder().setTrustDomain("example.org").setPath("/spire/agent/join_token/" + token).build();
  }

  @BeforeEach
  void agents() {
    cli.agents.add(Agent.newBuilder()
        .setId(agentId("abc"))
        .setAttestationType("join_token")
        .setX509SvidSerialNumber("1234")
        .setX509SvidExpiresAt(1704110400)
        .addSelectors(Selector.newBuilder().setType("join_token").setValue("abc"))
        .setAgentVersion("1.15.3")
        .build());
    cli.agents.add(Agent.newBuilder()
        .setId(agentId("def"))
        .setAttestationType("join_token")
        .setX509SvidExpiresAt(1704110400)
        .setBanned(true)
        .setCanReattest(true)
        .build());
  }

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  @Test
  void listPrintsEveryAgentWithItsLocalExpiry() {
    cli.clock = Clock.fixed(CliHarness.NOW, ZoneId.of("America/New_York"));
    cli.agents.pageSize = 1;

    Result r = cli.run("agent", "list");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("""
        Found 2 attested agents:

        SPIFFE ID         : spiffe://example.org/spire/agent/join_token/abc
        Attestation type  : join_token
        Expiration time   : 2024-01-01 07:00:00 -0500 EST
        Serial number     : 1234
        Can re-attest     : false
        Agent version     : 1.15.3

        SPIFFE ID         : spiffe://example.org/spire/agent/join_token/def
        Attestation type  : join_token
        Expiration time   : 2024-01-01 07:00:00 -0500 EST
        Banned            : true
        Can re-attest     : true

        """);
    List<ListAgentsRequest> calls = cli.agents.requests(ListAgentsRequest.class);
    assertThat(calls).extracting(ListAgentsRequest::getPageToken).containsExactly("", "1");
    assertThat(calls).allMatch(c -> c.getPageSize() == 1000);
  }

  @Test
  void listWithoutAgents() {
    cli.agents.agents.clear();

    assertThat(cli.run("agent", "list").out()).isEqualTo("No attested agents found\n");
    assertThat(cli.run("agent", "list", "-output", "json").out()).isEqualTo("{\"agents\":[],\"next_page_token\":\"\"}\n");
  }

  @Test
  void filtersMapToTheRequest() {
    Result r = cli.run("agent", "list", "-selector", "aws_iid:tag:env:prod", "-matchSelectorsOn", "any",
        "-attestationType", "aws_iid", "-banned", "false", "-canReattest", "true",
        "-expiresBefore", "2024-05-01 00:00:00 +0000 +00");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(cli.agents.requests(ListAgentsRequest.class).get(0).getFilter()).isEqualTo(
        ListAgentsRequest.Filter.newBuilder()
            .setBySelectorMatch(SelectorMatch.newBuilder()
                .addSelectors(Selector.newBuilder().setType("aws_iid").setValue("tag:env:prod"))
                .setMatch(SelectorMatch.MatchBehavior.MATCH_ANY))
            .setByAttestationType("aws_iid")
            .setByBanned(BoolValue.of(false))
            .setByCanReattest(BoolValue.of(true))
            .setByExpiresBefore("2024-05-01 00:00:00 +0000 +00")
            .build());

    cli.run("agent", "count", "-banned", "maybe", "-canReattest", "");
    CountAgentsRequest.Filter count = cli.agents.requests(CountAgentsRequest.class).get(0).getFilter();
    assertThat(count.hasByBanned()).isFalse();
    assertThat(count.hasByCanReattest()).isFalse();
  }

  static Stream<Arguments> filterErrors() {
    return Stream.of(
        Arguments.of(List.of("-selector", "nocolon"),
            "error parsing selector \"nocolon\": selector \"nocolon\" must be formatted as type:value"),
        Arguments.of(List.of("-selector", "a:b", "-matchSelectorsOn", "all"), "unsupported match behavior"),
        Arguments.of(List.of("-expiresBefore", "2024-05-01"),
            "date is not valid: parsing time \"2024-05-01\" as \"2006-01-02 15:04:05 -0700 -07\""));
  }

  @ParameterizedTest
  @MethodSource("filterErrors")
  void filterErrorsForListAndCount(List<String> flags, String message) {
    for (String command : new String[] {"list", "count"}) {
      Result r = cli.run(Stream.concat(Stream.of("agent", command), flags.stream()).toArray(String[]::new));
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err()).isEqualTo("Error: " + message + "\n");
    }
    assertThat(cli.agents.requests).isEmpty();
  }

  @Test
  void showPrintsTheAgentAndItsSelectors() {
    Result r = cli.run("agent", "show", "-spiffeID", "spiffe://example.org/spire/agent/join_token/abc");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("""
        Found an attested agent given its SPIFFE ID

        SPIFFE ID         : spiffe://example.org/spire/agent/join_token/abc
        Attestation type  : join_token
        Expiration time   : 2024-01-01 12:00:00 +0000 UTC
        Serial number     : 1234
        Can re-attest     : false
        Agent version     : 1.15.3

        Selectors         : join_token:abc
        """);
    assertThat(cli.run("agent", "show", "-spiffeID", "spiffe://example.org/spire/agent/join_token/abc",
        "-output", "json").out()).isEqualTo("{\"agent_version\":\"1.15.3\",\"attestation_type\":\"join_token\","
        + "\"banned\":false,\"can_reattest\":false,\"id\":{\"path\":\"/spire/agent/join_token/abc\","
        + "\"trust_domain\":\"example.org\"},\"selectors\":[{\"type\":\"join_token\",\"value\":\"abc\"}],"
        + "\"x509svid_expires_at\":\"1704110400\",\"x509svid_serial_number\":\"1234\"}\n");
  }

  @Test
  void countInWords() {
    assertThat(cli.run("agent", "count").out()).isEqualTo("2 attested agents\n");
    cli.agents.agents.remove("spiffe://example.org/spire/agent/join_token/def");
    assertThat(cli.run("agent", "count").out()).isEqualTo("1 attested agent\n");
    assertThat(cli.run("agent", "count", "-output", "json").out()).isEqualTo("{\"count\":1}\n");
  }

  @Test
  void evictAndBan() {
    Result ban = cli.run("agent", "ban", "-spiffeID", "spiffe://example.org/spire/agent/join_token/abc");
    assertThat(ban.out()).isEqualTo("Agent banned successfully\n");
    assertThat(cli.agents.requests(BanAgentRequest.class)).containsExactly(
        BanAgentRequest.newBuilder().setId(agentId("abc")).build());

    Result evict = cli.run("agent", "evict", "-spiffeID", "spiffe://example.org/spire/agent/join_token/abc",
        "-output", "json");
    assertThat(evict.out()).isEqualTo("{}\n");
    assertThat(cli.agents.requests(DeleteAgentRequest.class)).containsExactly(
        DeleteAgentRequest.newBuilder().setId(agentId("abc")).build());
    assertThat(cli.agents.agents).doesNotContainKey("spiffe://example.org/spire/agent/join_token/abc");
  }

  @ParameterizedTest
  @MethodSource("spiffeIdCommands")
  void spiffeIdCommandsValidateTheirId(String command) {
    assertThat(cli.run("agent", command).err()).isEqualTo("Error: a SPIFFE ID is required\n");
    assertThat(cli.run("agent", command, "-spiffeID", "example.org/agent").err())
        .isEqualTo("Error: scheme is missing or invalid\n");
    Result missing = cli.run("agent", command, "-spiffeID", "spiffe://example.org/spire/agent/x");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).isEqualTo("Error: rpc error: code = NotFound desc = agent not found\n");
  }

  static Stream<String> spiffeIdCommands() {
    return Stream.of("show", "evict", "ban");
  }
}
