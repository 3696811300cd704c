package io.synid.server.cli.entry;

import static io.synid.server.cli.entry.CreateEntryCommandTest.id;
import static io.synid.server.cli.entry.CreateEntryCommandTest.selector;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import com.google.protobuf.StringValue;
import io.grpc.Status;
import io.synid.api.spire.server.entry.v1.GetEntryRequest;
import io.synid.api.spire.server.entry.v1.ListEntriesRequest;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.FederatesWithMatch;
import io.synid.api.spire.types.SelectorMatch;
import io.synid.server.cli.CliHarness.Result;
import io.synid.server.cli.CliHarness;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ShowEntryCommandTest {
  private final CliHarness cli = new CliHarness();

  @AfterEach
  void close() throws InterruptedException {
    cli.close();
  }

  private Entry put(String id, String path, String parent, String... selectors) {
    Entry.Builder e = Entry.newBuilder().setId(id).setSpiffeId(id("example.org", path))
        .setParentId(id("example.org", parent));
    for (String s : selectors) {
      int colon = s.indexOf(':');
      e.addSelectors(selector(s.substring(0, colon), s.substring(colon + 1)));
    }
    return cli.entries.put(e.build());
  }

  @Test
  void printsEveryEntryInSpiresOrderWithSortedSelectors() {
    put("3", "/b", "/agent", "unix:uid:1");
    put("1", "/a", "/agent", "unix:uid:2", "k8s:ns:default");
    put("2", "/a", "/agent", "docker:image:x");

    Result r = cli.run("entry", "show");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("""
        Found 3 entries
        Entry ID                : 2
        SPIFFE ID               : spiffe://example.org/a
        Parent ID               : spiffe://example.org/agent
        Revision                : 0
        X509-SVID TTL           : default
        JWT-SVID TTL            : default
        Selector                : docker:image:x

        Entry ID                : 1
        SPIFFE ID               : spiffe://example.org/a
        Parent ID               : spiffe://example.org/agent
        Revision                : 0
        X509-SVID TTL           : default
        JWT-SVID TTL            : default
        Selector                : k8s:ns:default
        Selector                : unix:uid:2

        Entry ID                : 3
        SPIFFE ID               : spiffe://example.org/b
        Parent ID               : spiffe://example.org/agent
        Revision                : 0
        X509-SVID TTL           : default
        JWT-SVID TTL            : default
        Selector                : unix:uid:1

        """);
  }

  @Test
  void noEntriesAndOneEntryAreCountedInWords() {
    assertThat(cli.run("entry", "show").out()).isEqualTo("Found 0 entries\n");
    put("1", "/a", "/agent", "unix:uid:1");
    assertThat(cli.run("entry", "show").out()).startsWith("Found 1 entry\n");
  }

  @Test
  void readsEveryPageOf500() {
    for (int i = 0; i < 1201; i++) {
      put("e" + i, "/w" + i, "/agent", "unix:uid:" + i);
    }

    Result r = cli.run("entry", "show", "-output", "json");

    assertThat(r.exit()).isZero();
    List<ListEntriesRequest> calls = cli.entries.requests(ListEntriesRequest.class);
    assertThat(calls).extracting(ListEntriesRequest::getPageToken).containsExactly("", "500", "1000");
    assertThat(calls).allMatch(c -> c.getPageSize() == 500);
    assertThat(r.out().split("\"id\":", -1)).hasSize(1202);
    assertThat(r.out()).endsWith("],\"next_page_token\":\"\"}\n");
  }

  @Test
  void everyFilterFlagMapsToTheRequest() {
    Result r = cli.run("entry", "show", "-parentID", "spiffe://example.org/agent",
        "-spiffeID", "spiffe://example.org/w", "-selector", "unix:uid:1", "-selector", "k8s:ns:a:b",
        "-matchSelectorsOn", "exact", "-federatesWith", "spiffe://partner.org",
        "-matchFederatesWithOn", "any", "-hint", "h", "-downstream");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(cli.entries.requests(ListEntriesRequest.class).get(0).getFilter()).isEqualTo(
        ListEntriesRequest.Filter.newBuilder()
            .setByParentId(id("example.org", "/agent"))
            .setBySpiffeId(id("example.org", "/w"))
            .setBySelectors(SelectorMatch.newBuilder()
                .addSelectors(selector("unix", "uid:1"))
                .addSelectors(selector("k8s", "ns:a:b"))
                .setMatch(SelectorMatch.MatchBehavior.MATCH_EXACT))
            .setByFederatesWith(FederatesWithMatch.newBuilder()
                .addTrustDomains("spiffe://partner.org")
                .setMatch(FederatesWithMatch.MatchBehavior.MATCH_ANY))
            .setByHint(StringValue.of("h"))
            .setByDownstream(BoolValue.of(true))
            .build());
  }

  @Test
  void defaultsAreSupersetMatchingAndNotDownstream() {
    cli.run("entry", "show", "-selector", "unix:uid:1", "-federatesWith", "partner.org");

    ListEntriesRequest.Filter f = cli.entries.requests(ListEntriesRequest.class).get(0).getFilter();
    assertThat(f.getBySelectors().getMatch()).isEqualTo(SelectorMatch.MatchBehavior.MATCH_SUPERSET);
    assertThat(f.getByFederatesWith().getMatch()).isEqualTo(FederatesWithMatch.MatchBehavior.MATCH_SUPERSET);
    assertThat(f.getByDownstream()).isEqualTo(BoolValue.of(false));
    assertThat(f.hasByHint()).isFalse();
    assertThat(f.hasByParentId()).isFalse();
  }

  @Test
  void entryIdIsLookedUpDirectly() {
    put("e1", "/a", "/agent", "unix:uid:1");

    Result r = cli.run("entry", "show", "-entryID", "e1");

    assertThat(r.out()).startsWith("Found 1 entry\nEntry ID                : e1\n");
    assertThat(cli.entries.requests(GetEntryRequest.class)).containsExactly(
        GetEntryRequest.newBuilder().setId("e1").build());
    assertThat(cli.entries.requests(ListEntriesRequest.class)).isEmpty();
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of(List.of("-entryID", "e1", "-spiffeID", "spiffe://example.org/a"),
            "the -entryID flag can't be combined with others"),
        Arguments.of(List.of("-entryID", "nope"),
            "error fetching entry ID nope: rpc error: code = NotFound desc = entry not found"),
        Arguments.of(List.of("-parentID", "bad"), "error parsing parent ID \"bad\": scheme is missing or invalid"),
        Arguments.of(List.of("-spiffeID", "spiffe://"), "error parsing SPIFFE ID \"spiffe://\": trust domain is missing"),
        Arguments.of(List.of("-selector", "nocolon"),
            "error parsing selectors: selector \"nocolon\" must be formatted as type:value"),
        Arguments.of(List.of("-selector", "a:b", "-matchSelectorsOn", "most"), "match behavior \"most\" unknown"),
        Arguments.of(List.of("-federatesWith", "a.org", "-matchFederatesWithOn", "all"),
            "match behavior \"all\" unknown"));
  }

  @ParameterizedTest
  @MethodSource("errors")
  void errorsAreReportedWithSpiresWording(List<String> flags, String message) {
    Result r = cli.run(Stream.concat(Stream.of("entry", "show"), flags.stream()).toArray(String[]::new));

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: " + message + "\n");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void listFailureIsWrapped() {
    cli.entries.failWith(Status.INTERNAL.withDescription("internal server error"));

    Result r = cli.run("entry", "show");

    assertThat(r.err()).isEqualTo(
        "Error: error fetching entries: rpc error: code = Internal desc = internal server error\n");
  }
}
