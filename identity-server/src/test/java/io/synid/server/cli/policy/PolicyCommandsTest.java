package io.synid.server.cli.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.synid.core.selector.Selector;
import io.synid.server.IdentityServer;
import io.synid.server.TestServers;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.SynidServerCommand;
import io.synid.server.datastore.DatastoreConfig;
import io.synid.server.datastore.FlowStore;
import io.synid.server.datastore.TestDatastores;
import io.synid.server.entry.RegistrationEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code policy} and {@code flow} commands over the real Unix socket against a real server. */
class PolicyCommandsTest {
  private static final String TD = "spiffe://example.org";
  private static final String API = """
      name: api-ingress
      mode: monitor
      applies_to:
        spiffe_id: spiffe://example.org/api
      ingress:
        - from:
            - spiffe_id: spiffe://example.org/web
          ports: [8080]
      """;

  @TempDir Path tmp;
  private IdentityServer server;

  record Run(int exit, String out, String err) {}

  static List<DatastoreConfig.Kind> kinds() {
    return TestDatastores.kinds();
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private Run cli(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliEnvironment env = new CliEnvironment(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        AdminClient::overUnixSocket, name -> null, Clock.system(ZoneOffset.UTC));
    List<String> all = new ArrayList<>(List.of(args));
    all.add("-socketPath");
    all.add(server.settings().adminSocket().toString());
    int exit = SynidServerCommand.commandLine(env).execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Run ok(String... args) {
    Run r = cli("", args);
    assertThat(r.exit()).as("%s\nstdout: %s\nstderr: %s", String.join(" ", args), r.out(), r.err()).isZero();
    return r;
  }

  private Run fails(String... args) {
    Run r = cli("", args);
    assertThat(r.exit()).as("%s\nstdout: %s", String.join(" ", args), r.out()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    return r;
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void applyShowDeleteAndModes(DatastoreConfig.Kind kind) throws Exception {
    server = TestServers.start(tmp, kind);
    Path file = tmp.resolve("api.yaml");
    Files.writeString(file, API);

    assertThat(ok("policy", "apply", "-data", file.toString()).out())
        .isEqualTo("Created   : api-ingress\nPolicy set version: 1\n");
    assertThat(cli(API.replace("8080", "8443"), "policy", "apply", "-data", "-").out())
        .isEqualTo("Updated   : api-ingress\nPolicy set version: 2\n");
    assertThat(ok("policy", "mode", TD + "/api", "enforce").out())
        .isEqualTo("Mode of spiffe://example.org/api: enforce\nPolicy set version: 3\n");
    assertThat(ok("policy", "mode", "-spiffeID", TD + "/db", "-mode", "monitor").out())
        .isEqualTo("Mode of spiffe://example.org/db: monitor\nPolicy set version: 4\n");

    String shown = ok("policy", "show").out();
    assertThat(shown).isEqualTo("""
        # Policy set version 4
        # Mode overrides:
        #   spiffe://example.org/api: enforce
        #   spiffe://example.org/db: monitor

        # api-ingress (last changed in version 2)
        name: "api-ingress"
        mode: monitor
        applies_to:
          - spiffe_id: "spiffe://example.org/api"
        ingress:
          - from:
              - spiffe_id: "spiffe://example.org/web"
            ports: [8443]
        """);
    // What show prints is a policy file: applying it changes nothing.
    Run again = cli(shown, "policy", "apply", "-data", "-");
    assertThat(again.out()).isEqualTo("Unchanged : api-ingress\nPolicy set version: 4\n");
    assertThat(ok("policy", "show", "-name", "api-ingress", "-output", "json").out())
        .startsWith("{\"mode_overrides\":{\"spiffe://example.org/api\":\"enforce\",\"spiffe://example.org/db\":"
            + "\"monitor\"},\"policies\":[{\"name\":\"api-ingress\",\"version\":\"2\",\"yaml\":\"name: ")
        .endsWith("}],\"version\":\"4\"}\n");

    assertThat(ok("policy", "mode", TD + "/db", "clear").out())
        .isEqualTo("Mode override cleared for spiffe://example.org/db\nPolicy set version: 5\n");
    assertThat(ok("policy", "delete", "-name", "api-ingress").out())
        .isEqualTo("Deleted policy api-ingress\nPolicy set version: 6\n");
    assertThat(ok("policy", "show").out()).isEqualTo("""
        # Policy set version 6
        # Mode overrides:
        #   spiffe://example.org/api: enforce
        # No policies
        """);

    assertThat(fails("policy", "delete", "-name", "api-ingress").err())
        .isEqualTo("Error: rpc error: code = NotFound desc = policy \"api-ingress\" not found\n");
    assertThat(fails("policy", "show", "-name", "nope").err())
        .isEqualTo("Error: rpc error: code = NotFound desc = policy \"nope\" not found\n");
    assertThat(fails("policy", "delete").err()).isEqualTo("Error: a policy name is required\n");
    assertThat(fails("policy", "apply").err())
        .isEqualTo("Error: a policy file is required (-data <file>, or - for stdin)\n");
    assertThat(fails("policy", "apply", "-data", tmp.resolve("missing.yaml").toString()).err())
        .isEqualTo("Error: open " + tmp.resolve("missing.yaml") + ": no such file or directory\n");
    assertThat(fails("policy", "mode", TD + "/api", "block").err())
        .isEqualTo("Error: mode must be monitor, enforce or clear, not \"block\"\n");
    assertThat(fails("policy", "mode", "-spiffeID", TD + "/api", TD + "/api", "enforce").err())
        .isEqualTo("Error: give the workload and the mode either as -spiffeID and -mode or as two"
            + " arguments: policy mode <spiffe id> monitor|enforce|clear\n");
    assertThat(fails("policy", "mode", "spiffe://example.org/api/", "enforce").err())
        .isEqualTo("Error: rpc error: code = InvalidArgument desc = invalid SPIFFE ID"
            + " \"spiffe://example.org/api/\": path cannot have a trailing slash\n");
  }

  @Test
  void aHostileFileListsEveryErrorAndChangesNothing() throws Exception {
    server = TestServers.start(tmp, DatastoreConfig.Kind.SQLITE);
    assertThat(cli(API, "policy", "apply", "-data", "-").exit()).isZero();
    String before = ok("policy", "show").out();
    Path file = tmp.resolve("bad.yaml");
    Files.writeString(file, API.replace("ingress:\n", "ingres: []\ningress:\n")
        .replace("- spiffe_id: spiffe://example.org/web", "- unauthenticated: {cidr: 10.0.0.1/8}"));

    Run r = fails("policy", "apply", "-data", file.toString());

    assertThat(r.err()).isEqualTo("Error: rpc error: code = InvalidArgument desc = 2 error(s) in policy files:\n"
        + file + ":5:1: ingres: unknown field 'ingres' (expected one of: name, mode, applies_to, ingress, egress)\n"
        + file + ":8:33: ingress[0].from[0].unauthenticated.cidr: invalid CIDR: host bits are set:"
        + " did you mean 10.0.0.0/8?\n");
    assertThat(ok("policy", "show").out()).isEqualTo(before).startsWith("# Policy set version 1\n");
  }

  @Test
  void suggestAcceptAndTheFlowTable() throws Exception {
    server = TestServers.start(tmp, DatastoreConfig.Kind.SQLITE);
    assertThat(ok("policy", "suggest").out()).isEqualTo("No flows observed: nothing to suggest\n");
    assertThat(ok("flow", "show").out()).isEqualTo("No flows found\n");
    server.datastore().entries().create(new RegistrationEntry("", TD + "/web", TD + "/node",
        List.of(new Selector("unix", "uid:1000")), 0, 0, List.of(), false, false, 0, List.of(), 0, false, "", 0));
    long t0 = Instant.parse("2024-01-01T00:00:00Z").getEpochSecond();
    server.datastore().flows().add(List.of(
        new FlowStore.Flow(TD + "/web", "", TD + "/api", 8080, 120, 0, 3, t0, t0 + 60),
        new FlowStore.Flow("", "10.1.2.3", TD + "/api", 9100, 0, 7, 0, t0 + 5, t0 + 30),
        new FlowStore.Flow(TD + "/api", "", TD + "/db", 5432, 40, 0, 0, t0 + 1, t0 + 3600)));

    assertThat(ok("flow", "show").out()).isEqualTo("""
        SOURCE                      DESTINATION               PORT  ALLOWED  DENIED  WOULD DENY  FIRST SEEN                 LAST SEEN
        10.1.2.3 (unauthenticated)  spiffe://example.org/api  9100        0       7           0  2024-01-01 00:00:05 +0000  2024-01-01 00:00:30 +0000
        spiffe://example.org/web    spiffe://example.org/api  8080      120       0           3  2024-01-01 00:00:00 +0000  2024-01-01 00:01:00 +0000
        spiffe://example.org/api    spiffe://example.org/db   5432       40       0           0  2024-01-01 00:00:01 +0000  2024-01-01 01:00:00 +0000
        """);
    assertThat(ok("flow", "show", "-source", "10.1.2.3").out()).contains("10.1.2.3 (unauthenticated)")
        .doesNotContain("spiffe://example.org/web ");
    assertThat(ok("flow", "show", "-destination", TD + "/api", "-port", "8080", "-verdict", "would_deny").out())
        .contains("spiffe://example.org/web").doesNotContain("10.1.2.3").doesNotContain("/db ");
    assertThat(ok("flow", "show", "-source", TD + "/api", "-output", "json").out()).isEqualTo(
        "{\"flows\":[{\"allowed\":\"40\",\"denied\":\"0\",\"destination_spiffe_id\":\"spiffe://example.org/db\","
            + "\"first_seen\":\"1704067201\",\"last_seen\":\"1704070800\",\"port\":5432,\"source_address\":\"\","
            + "\"source_spiffe_id\":\"spiffe://example.org/api\",\"would_deny\":\"0\"}]}\n");
    assertThat(fails("flow", "show", "-verdict", "maybe").err()).isEqualTo("Error: rpc error: code = InvalidArgument"
        + " desc = verdict must be allowed, denied or would_deny, not \"maybe\"\n");

    String suggested = ok("policy", "suggest", "-destination", TD + "/api").out();
    String id = suggested.substring("# Suggestion ".length(), suggested.indexOf(' ', "# Suggestion ".length()));
    assertThat(suggested).isEqualTo("# Suggestion " + id + " covers 1 observed flow.\n"
        + "# Review it, then: synid-server policy accept -id " + id + "\n"
        + """
        name: "example.org-api"
        mode: monitor
        applies_to:
          - spiffe_id: "spiffe://example.org/api"
        ingress:
          - from:
              - spiffe_id: "spiffe://example.org/web"
            ports: [8080]
        """);
    assertThat(ok("policy", "accept", "-id", id).out())
        .isEqualTo("Created   : example.org-api\nPolicy set version: 1\n");
    assertThat(fails("policy", "accept", "-id", id).err()).isEqualTo("Error: rpc error: code = NotFound desc ="
        + " suggestion \"" + id + "\" not found: it was accepted, superseded by a newer suggestion, or never made\n");
    assertThat(fails("policy", "accept").err()).isEqualTo("Error: a suggestion ID is required\n");
  }
}
