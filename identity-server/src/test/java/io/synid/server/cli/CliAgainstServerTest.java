package io.synid.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synid.server.IdentityServer;
import io.synid.server.TestServers;
import io.synid.server.datastore.AttestedNode;
import io.synid.server.datastore.DatastoreConfig;
import io.synid.server.datastore.TestDatastores;
import io.synid.server.entry.EntryFilter;
import io.synid.core.selector.Selector;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every CLI command, end to end: picocli parsing, the real Unix-socket client, the real server
 * and datastore (SQLite and PostgreSQL).
 */
class CliAgainstServerTest {
  @TempDir Path tmp;

  static List<DatastoreConfig.Kind> kinds() {
    return TestDatastores.kinds();
  }

  record Run(int exit, String out, String err) {}

  private IdentityServer server;

  private Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliEnvironment env = new CliEnvironment(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]),
        AdminClient::overUnixSocket, name -> null, Clock.systemUTC());
    List<String> all = new ArrayList<>(List.of(args));
    all.add("-socketPath");
    all.add(server.settings().adminSocket().toString());
    int exit = SynidServerCommand.commandLine(env).execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Run ok(String... args) {
    Run r = cli(args);
    assertThat(r.exit()).as("%s\nstdout: %s\nstderr: %s", String.join(" ", args), r.out(), r.err()).isZero();
    return r;
  }

  private static final String TD = "spiffe://example.org";

  @ParameterizedTest
  @MethodSource("kinds")
  void everyCommandAgainstARunningServer(DatastoreConfig.Kind kind) throws Exception {
    server = TestServers.start(tmp, kind);
    try {
      assertThat(ok("healthcheck").out()).contains("Server is healthy.");

      // token generate, with the node-alias entry
      String token = ok("token", "generate", "-spiffeID", TD + "/host", "-ttl", "600").out().trim();
      assertThat(token).matches("Token: [0-9a-f-]{36}");
      assertThat(ok("entry", "show", "-spiffeID", TD + "/host").out())
          .contains("Parent ID               : " + TD + "/spire/agent/join_token/" + token.substring(7));

      // entry create with every flag
      String created = ok("entry", "create", "-parentID", TD + "/host", "-spiffeID", TD + "/web",
          "-selector", "unix:uid:1000", "-selector", "unix:gid:1000", "-dns", "web.example.org",
          "-federatesWith", "spiffe://partner.org", "-x509SVIDTTL", "600", "-jwtSVIDTTL", "60",
          "-entryExpiry", "4102444800", "-hint", "frontend", "-admin", "-storeSVID",
          "-entryID", "web-entry").out();
      assertThat(created).contains("Entry ID                : web-entry", "SPIFFE ID               : " + TD + "/web",
          "X509-SVID TTL           : 600", "JWT-SVID TTL            : 60", "Hint                    : frontend",
          "DNS name                : web.example.org");
      var stored = server.datastore().entries().get("web-entry").orElseThrow();
      assertThat(stored.admin()).isTrue();
      assertThat(stored.downstream()).isFalse();
      assertThat(stored.storeSvid()).isTrue();
      assertThat(stored.federatesWith()).containsExactly("partner.org");
      assertThat(stored.expiresAt()).isEqualTo(4102444800L);

      // -node: parent is the server's ID
      ok("entry", "create", "-node", "-spiffeID", TD + "/nodes/linux", "-selector", "x509pop:subject:cn:node");
      assertThat(server.datastore().entries().list(EntryFilter.ALL.withSpiffeId(TD + "/nodes/linux"), 0, "")
          .entries().get(0).parentId()).isEqualTo(TD + "/spire/server");

      // duplicate: AlreadyExists, exit 1
      Run dup = cli("entry", "create", "-parentID", TD + "/host", "-spiffeID", TD + "/web",
          "-selector", "unix:gid:1000", "-selector", "unix:uid:1000");
      assertThat(dup.exit()).isEqualTo(1);
      assertThat(dup.out() + dup.err()).contains("similar entry already exists");

      // -data file
      Path data = tmp.resolve("entries.json");
      Files.writeString(data, "{\"entries\":[{\"spiffe_id\":\"" + TD + "/db\",\"parent_id\":\"" + TD
          + "/host\",\"selectors\":[{\"type\":\"unix\",\"value\":\"uid:1001\"}]},{\"spiffe_id\":\"" + TD
          + "/cache\",\"parent_id\":\"" + TD + "/host\",\"selectors\":[{\"type\":\"unix\",\"value\":\"uid:1002\"},"
          + "{\"type\":\"unix\",\"value\":\"gid:1000\"}]}]}");
      ok("entry", "create", "-data", data.toString());
      assertThat(ok("entry", "count").out().trim()).isEqualTo("5 registration entries");
      // -downstream: as in SPIRE, show and count select downstream entries only with the flag.
      ok("entry", "create", "-parentID", TD + "/host", "-spiffeID", TD + "/nested-ca", "-selector", "unix:uid:4000",
          "-downstream");
      assertThat(server.datastore().entries().count(EntryFilter.ALL)).isEqualTo(6);
      assertThat(ok("entry", "count").out().trim()).isEqualTo("5 registration entries");
      assertThat(ok("entry", "show", "-downstream").out()).startsWith("Found 1 entry").contains(TD + "/nested-ca");

      // filters and match modes
      assertThat(ok("entry", "show", "-selector", "unix:gid:1000", "-matchSelectorsOn", "any").out()).startsWith("Found 2 entries");
      assertThat(ok("entry", "show", "-selector", "unix:uid:1000", "-selector", "unix:gid:1000",
          "-matchSelectorsOn", "exact").out()).startsWith("Found 1 entry");
      assertThat(ok("entry", "show", "-selector", "unix:uid:1001", "-selector", "unix:uid:1002",
          "-selector", "unix:gid:1000", "-matchSelectorsOn", "subset").out()).startsWith("Found 2 entries");
      assertThat(ok("entry", "show", "-selector", "unix:gid:1000", "-matchSelectorsOn", "superset").out())
          .startsWith("Found 2 entries");
      assertThat(ok("entry", "show", "-parentID", TD + "/host").out()).startsWith("Found 3 entries");
      assertThat(ok("entry", "show", "-federatesWith", "spiffe://partner.org").out()).startsWith("Found 1 entry");
      assertThat(ok("entry", "show", "-hint", "frontend").out()).startsWith("Found 1 entry");
      assertThat(ok("entry", "show", "-entryID", "web-entry").out()).contains("web-entry");
      assertThat(ok("entry", "count", "-parentID", TD + "/host").out().trim()).isEqualTo("3 registration entries");

      // json output is the protojson of the response
      JsonNode json = new ObjectMapper().readTree(ok("entry", "show", "-entryID", "web-entry", "-output", "json").out());
      assertThat(json.get("entries").get(0).get("spiffe_id").get("path").asText()).isEqualTo("/web");

      // update (full replacement) and delete
      ok("entry", "update", "-entryID", "web-entry", "-parentID", TD + "/host", "-spiffeID", TD + "/web2",
          "-selector", "unix:uid:2000");
      var updated = server.datastore().entries().get("web-entry").orElseThrow();
      assertThat(updated.spiffeId()).isEqualTo(TD + "/web2");
      assertThat(updated.selectors()).containsExactly(new Selector("unix", "uid:2000"));
      assertThat(updated.dnsNames()).isEmpty();
      assertThat(updated.revisionNumber()).isEqualTo(1);
      ok("entry", "delete", "-entryID", "web-entry");
      assertThat(server.datastore().entries().get("web-entry")).isEmpty();
      assertThat(cli("entry", "delete", "-entryID", "web-entry").exit()).isEqualTo(1);

      // entry apply twice: the second run changes nothing
      Path apply = tmp.resolve("apply.json");
      Files.writeString(apply, "{\"entries\":[{\"spiffe_id\":\"" + TD + "/db\",\"parent_id\":\"" + TD
          + "/host\",\"selectors\":[{\"type\":\"unix\",\"value\":\"uid:1001\"}],\"hint\":\"changed\"},"
          + "{\"spiffe_id\":\"" + TD + "/new\",\"parent_id\":\"" + TD + "/host\",\"selectors\":"
          + "[{\"type\":\"unix\",\"value\":\"uid:3000\"}]}]}");
      assertThat(ok("entry", "apply", "-data", apply.toString()).out()).contains("created: 1, updated: 1, unchanged: 0");
      long countAfterFirst = server.datastore().entries().count(EntryFilter.ALL);
      assertThat(ok("entry", "apply", "-data", apply.toString()).out()).contains("created: 0, updated: 0, unchanged: 2");
      assertThat(server.datastore().entries().count(EntryFilter.ALL)).isEqualTo(countAfterFirst);

      // bundles
      assertThat(ok("bundle", "show").out()).startsWith("-----BEGIN CERTIFICATE-----");
      String spiffe = ok("bundle", "show", "-format", "spiffe").out();
      assertThat(spiffe).contains("\"spiffe_sequence\"", "\"x509-svid\"", "\"jwt-svid\"");
      Path partner = tmp.resolve("partner.json");
      Files.writeString(partner, spiffe);
      ok("bundle", "set", "-id", "spiffe://partner.org", "-path", partner.toString(), "-format", "spiffe");
      assertThat(ok("bundle", "list").out()).contains("* partner.org");
      assertThat(ok("bundle", "count").out()).contains("2");
      ok("bundle", "delete", "-id", "spiffe://partner.org");
      assertThat(ok("bundle", "list").out()).doesNotContain("partner.org");

      // agents: list/show/count/evict/ban on a node recorded by attestation
      server.datastore().nodes().put(new AttestedNode(TD + "/spire/agent/join_token/abc", "join_token", "1234",
          4102444800L, "", 0, false, "1.15.3", 0, List.of(new Selector("join_token", "abc"))));
      assertThat(ok("agent", "list").out()).contains(TD + "/spire/agent/join_token/abc");
      assertThat(ok("agent", "show", "-spiffeID", TD + "/spire/agent/join_token/abc").out()).contains("join_token");
      assertThat(ok("agent", "count").out()).contains("1");
      ok("agent", "ban", "-spiffeID", TD + "/spire/agent/join_token/abc");
      assertThat(server.datastore().nodes().get(TD + "/spire/agent/join_token/abc").orElseThrow().banned()).isTrue();
      ok("agent", "evict", "-spiffeID", TD + "/spire/agent/join_token/abc");
      assertThat(server.datastore().nodes().get(TD + "/spire/agent/join_token/abc")).isEmpty();

      // minting
      Path out = tmp.resolve("mint");
      Files.createDirectories(out);
      ok("x509", "mint", "-spiffeID", TD + "/w", "-ttl", "5m", "-write", out.toString());
      assertThat(Files.readString(out.resolve("svid.pem"))).startsWith("-----BEGIN CERTIFICATE-----");
      assertThat(ok("jwt", "mint", "-spiffeID", TD + "/w", "-audience", "a").out().trim()).matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+");

      // errors: specific message, exit 1
      Run bad = cli("entry", "create", "-parentID", TD + "/host", "-spiffeID", TD + "/x");
      assertThat(bad.exit()).isEqualTo(1);
      assertThat(bad.err()).contains("Error:");
      assertThat(cli("entry", "show", "-output", "yaml").exit()).isEqualTo(1);
    } finally {
      server.close();
    }
  }
}
