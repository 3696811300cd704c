package io.synid.server.cli.entry;

import static io.synid.server.cli.entry.CreateEntryCommandTest.id;
import static io.synid.server.cli.entry.CreateEntryCommandTest.selector;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import com.google.protobuf.StringValue;
import io.grpc.Status;
import io.synid.api.spire.server.entry.v1.CountEntriesRequest;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.FederatesWithMatch;
import io.synid.api.spire.types.SelectorMatch;
import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CountEntryCommandTest {
  private final CliHarness cli = new CliHarness();

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  @Test
  void printsTheCountInWords() {
    assertThat(cli.run("entry", "count").out()).isEqualTo("0 registration entries\n");
    cli.entries.put(Entry.newBuilder().setSpiffeId(id("example.org", "/a")).build());
    assertThat(cli.run("entry", "count").out()).isEqualTo("1 registration entry\n");
    cli.entries.put(Entry.newBuilder().setSpiffeId(id("example.org", "/b")).build());
    assertThat(cli.run("entry", "count").out()).isEqualTo("2 registration entries\n");
    assertThat(cli.run("entry", "count", "-output", "json").out()).isEqualTo("{\"count\":2}\n");
  }

  @Test
  void filtersAreThoseOfShow() {
    Result r = cli.run("entry", "count", "-parentID", "spiffe://example.org/agent",
        "-spiffeID", "spiffe://example.org/w", "-selector", "unix:uid:1", "-matchSelectorsOn", "subset",
        "-federatesWith", "spiffe://partner.org", "-hint", "h");

    assertThat(r.exit()).isZero();
    assertThat(cli.entries.requests(CountEntriesRequest.class).get(0).getFilter()).isEqualTo(
        CountEntriesRequest.Filter.newBuilder()
            .setByParentId(id("example.org", "/agent"))
            .setBySpiffeId(id("example.org", "/w"))
            .setBySelectors(SelectorMatch.newBuilder().addSelectors(selector("unix", "uid:1"))
                .setMatch(SelectorMatch.MatchBehavior.MATCH_SUBSET))
            .setByFederatesWith(FederatesWithMatch.newBuilder().addTrustDomains("spiffe://partner.org")
                .setMatch(FederatesWithMatch.MatchBehavior.MATCH_SUPERSET))
            .setByHint(StringValue.of("h"))
            .setByDownstream(BoolValue.of(false))
            .build());
  }

  @Test
  void serverErrorsAreNotWrapped() {
    cli.entries.failWith(Status.PERMISSION_DENIED.withDescription("caller is not an admin"));

    Result r = cli.run("entry", "count");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: rpc error: code = PermissionDenied desc = caller is not an admin\n");
  }
}
