package io.synid.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.synid.api.policy.v1.AcceptSuggestionRequest;
import io.synid.api.policy.v1.ApplyPoliciesRequest;
import io.synid.api.policy.v1.ApplyPoliciesResponse;
import io.synid.api.policy.v1.DeletePolicyRequest;
import io.synid.api.policy.v1.FlowsGrpc;
import io.synid.api.policy.v1.ListFlowsRequest;
import io.synid.api.policy.v1.ListPoliciesRequest;
import io.synid.api.policy.v1.ListPoliciesResponse;
import io.synid.api.policy.v1.PolicyGrpc;
import io.synid.api.policy.v1.SetModeRequest;
import io.synid.api.policy.v1.SuggestPoliciesRequest;
import io.synid.api.policy.v1.SuggestPoliciesResponse;
import io.synid.core.selector.Selector;
import io.synid.policy.parse.PolicyParser;
import io.synid.policy.parse.PolicySource;
import io.synid.server.IdentityServer;
import io.synid.server.TestServers;
import io.synid.server.datastore.DatastoreConfig;
import io.synid.server.datastore.FlowStore;
import io.synid.server.datastore.TestDatastores;
import io.synid.server.entry.RegistrationEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** synid.api.policy.v1.Policy and Flows on the admin socket of a real server. */
class PolicyServiceTest {
  private static final String TD = "spiffe://example.org";

  static final String API = """
      name: api-ingress
      mode: monitor
      applies_to:
        spiffe_id: spiffe://example.org/api
      ingress:
        - from:
            - spiffe_id: spiffe://example.org/web
          ports: [8080]
      """;

  static final String DB = """
      # the database: enforced
      name: db-ingress
      mode: enforce
      applies_to: {spiffe_id: "spiffe://example.org/db"}
      ingress:
        - from: [{spiffe_id: "spiffe://example.org/api"}]
          ports: [5432]
      """;

  @TempDir Path tmp;
  private IdentityServer server;
  private ManagedChannel channel;
  private PolicyGrpc.PolicyBlockingStub policy;

  static List<DatastoreConfig.Kind> kinds() {
    return TestDatastores.kinds();
  }

  private void start(DatastoreConfig.Kind kind) throws Exception {
    server = TestServers.start(tmp, kind);
    channel = TestServers.channel(server.settings().adminSocket());
    policy = PolicyGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  private ApplyPoliciesResponse apply(String name, String yaml) {
    return policy.applyPolicies(ApplyPoliciesRequest.newBuilder().setSourceName(name).setYaml(yaml).build());
  }

  private static Status status(Throwable t) {
    return ((StatusRuntimeException) t).getStatus();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void applyCreatesUpdatesAndLeavesEqualPoliciesAlone(DatastoreConfig.Kind kind) throws Exception {
    start(kind);
    ApplyPoliciesResponse first = apply("three-tier.yaml", API + "---\n" + DB);
    assertThat(first).isEqualTo(ApplyPoliciesResponse.newBuilder().setVersion(1)
        .addCreated("api-ingress").addCreated("db-ingress").build());

    // Same policies, other layout and comments: unchanged, no new version.
    String dbReformatted = DB.replace("# the database: enforced\n", "").replace("ports: [5432]", "ports:\n      - 5432");
    assertThat(apply("db.yaml", dbReformatted)).isEqualTo(ApplyPoliciesResponse.newBuilder().setVersion(1)
        .addUnchanged("db-ingress").build());

    ApplyPoliciesResponse second = apply("api.yaml", API.replace("[8080]", "[8080, 8443]"));
    assertThat(second).isEqualTo(ApplyPoliciesResponse.newBuilder().setVersion(2).addUpdated("api-ingress").build());

    ListPoliciesResponse list = policy.listPolicies(ListPoliciesRequest.getDefaultInstance());
    assertThat(list.getVersion()).isEqualTo(2);
    assertThat(list.getPoliciesList()).extracting(p -> p.getName() + "@" + p.getVersion())
        .containsExactly("api-ingress@2", "db-ingress@1");
    // What is stored is the canonical form, and it parses back to the same policy.
    assertThat(list.getPolicies(0).getYaml()).isEqualTo("""
        name: "api-ingress"
        mode: monitor
        applies_to:
          - spiffe_id: "spiffe://example.org/api"
        ingress:
          - from:
              - spiffe_id: "spiffe://example.org/web"
            ports: [8080, 8443]
        """);
    assertThat(policy.listPolicies(ListPoliciesRequest.newBuilder().setName("db-ingress").build())
        .getPoliciesList()).extracting(p -> p.getName()).containsExactly("db-ingress");
    assertThatThrownBy(() -> policy.listPolicies(ListPoliciesRequest.newBuilder().setName("nope").build()))
        .hasMessage("NOT_FOUND: policy \"nope\" not found");

    assertThat(policy.deletePolicy(DeletePolicyRequest.newBuilder().setName("api-ingress").build()).getVersion())
        .isEqualTo(3);
    assertThatThrownBy(() -> policy.deletePolicy(DeletePolicyRequest.newBuilder().setName("api-ingress").build()))
        .satisfies(t -> assertThat(status(t).getCode()).isEqualTo(Status.Code.NOT_FOUND))
        .hasMessage("NOT_FOUND: policy \"api-ingress\" not found");
    assertThat(policy.listPolicies(ListPoliciesRequest.getDefaultInstance()).getPoliciesList())
        .extracting(p -> p.getName()).containsExactly("db-ingress");

    // The audit record of an apply identifies the file by size and digest, not by copying it.
    JsonNode record = null;
    ObjectMapper json = new ObjectMapper();
    for (String line : Files.readAllLines(server.settings().auditFile())) {
      JsonNode r = json.readTree(line);
      if (r.path("method").asText().equals("ApplyPolicies")) {
        record = r;
        break;
      }
    }
    byte[] bytes = (API + "---\n" + DB).getBytes(StandardCharsets.UTF_8);
    assertThat(record.path("request").toString()).isEqualTo("{\"source_name\":\"three-tier.yaml\",\"yaml_bytes\":"
        + bytes.length + ",\"yaml_sha256\":\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(bytes)) + "\"}");
  }

  static Stream<Arguments> hostileFiles() {
    String huge = "name: big\nmode: monitor\napplies_to: {spiffe_id: \"spiffe://example.org/big\"}\n# "
        + "x".repeat(PolicyParser.MAX_FILE_BYTES) + "\n";
    StringBuilder manyRules = new StringBuilder("name: many\nmode: monitor\napplies_to: {spiffe_id: \"spiffe://example.org/many\"}\ningress:\n");
    for (int i = 0; i < PolicyParser.MAX_RULES + 1; i++) {
      manyRules.append("  - from: [{spiffe_id: \"spiffe://example.org/c").append(i).append("\"}]\n");
    }
    return Stream.of(
        Arguments.of("unknown field", API.replace("ingress:\n", "ingres:\n  - from: []\ningress:\n")),
        Arguments.of("bad SPIFFE ID", API.replace("spiffe://example.org/web", "spiffe://Example.org/web")),
        Arguments.of("bad CIDR", API.replace("- spiffe_id: spiffe://example.org/web",
            "- unauthenticated: {cidr: 10.0.0.1/8}")),
        Arguments.of("conflicting rules", API + """
              - from:
                  - spiffe_id: spiffe://example.org/web
                ports: [8080]
                action: deny
            """),
        Arguments.of("mode conflicting with a stored policy", """
            name: db-monitoring
            mode: monitor
            applies_to: {spiffe_id: "spiffe://example.org/db"}
            """),
        Arguments.of("alias", "name: &n x\nmode: monitor\napplies_to: {spiffe_id: *n}\n"),
        Arguments.of("huge file", huge),
        Arguments.of("too many rules", manyRules.toString()),
        Arguments.of("empty file", ""));
  }

  /** What the parser says about {@code yaml} applied over the stored DB policy. */
  private static String parserErrors(String yaml) {
    try {
      PolicyParser.parse(0, PolicySource.of("hostile.yaml", yaml));
      PolicyParser.parse(0, List.of(PolicySource.of("stored/db-ingress",
          io.synid.server.policy.PolicyChanges.canonical(PolicyParser.parse(0, PolicySource.of("db.yaml", DB))
              .policies().get(0))), PolicySource.of("hostile.yaml", yaml)));
      throw new AssertionError("the parser accepts it");
    } catch (io.synid.policy.parse.InvalidPolicyException e) {
      return e.getMessage();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileFiles")
  void hostileFilesAreRejectedWithTheParsersErrorsAndChangeNothing(String what, String yaml) throws Exception {
    start(DatastoreConfig.Kind.SQLITE);
    apply("db.yaml", DB);
    ListPoliciesResponse before = policy.listPolicies(ListPoliciesRequest.getDefaultInstance());

    assertThatThrownBy(() -> apply("hostile.yaml", yaml))
        .satisfies(t -> {
          assertThat(status(t).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(status(t).getDescription()).isEqualTo(parserErrors(yaml));
        });
    assertThat(policy.listPolicies(ListPoliciesRequest.getDefaultInstance())).isEqualTo(before);
  }

  @Test
  void errorsNameTheFileLineAndField() throws Exception {
    start(DatastoreConfig.Kind.SQLITE);
    apply("db.yaml", DB);
    assertThatThrownBy(() -> apply("api.yaml", API.replace("spiffe://example.org/web", "spiffe://example.org/web/")
        .replace("ingress:\n", "ingres:\n  - from: []\ningress:\n")))
        .hasMessage("""
            INVALID_ARGUMENT: 2 error(s) in policy files:
            api.yaml:5:1: ingres: unknown field 'ingres' (expected one of: name, mode, applies_to, ingress, egress)
            api.yaml:9:20: ingress[0].from[0].spiffe_id: invalid SPIFFE ID: path cannot have a trailing slash""");
    assertThatThrownBy(() -> apply("", "name: db-monitoring\nmode: monitor\napplies_to: {spiffe_id: \"spiffe://example.org/db\"}\n"))
        .hasMessage("""
            INVALID_ARGUMENT: 1 error(s) in policy files:
            policies.yaml:2:7: mode: mode monitor contradicts policy 'db-ingress', which applies to the same workloads in enforce mode""");
  }

  @Test
  void modesAreValidatedAndVersioned() throws Exception {
    start(DatastoreConfig.Kind.SQLITE);
    assertThatThrownBy(() -> policy.setMode(SetModeRequest.newBuilder().setSpiffeId("spiffe://example.org/db/")
        .setMode("enforce").build()))
        .hasMessage("INVALID_ARGUMENT: invalid SPIFFE ID \"spiffe://example.org/db/\": path cannot have a trailing slash");
    assertThatThrownBy(() -> policy.setMode(SetModeRequest.newBuilder().setSpiffeId(TD + "/db").setMode("block").build()))
        .hasMessage("INVALID_ARGUMENT: mode must be monitor, enforce or empty (to clear the override), not \"block\"");
    assertThat(policy.setMode(SetModeRequest.newBuilder().setSpiffeId(TD + "/db").setMode("enforce").build())
        .getVersion()).isEqualTo(1);
    assertThat(policy.setMode(SetModeRequest.newBuilder().setSpiffeId(TD + "/db").setMode("enforce").build())
        .getVersion()).as("already so").isEqualTo(1);
    assertThat(policy.listPolicies(ListPoliciesRequest.getDefaultInstance()).getModeOverridesMap())
        .containsExactly(java.util.Map.entry(TD + "/db", "enforce"));
    assertThat(policy.setMode(SetModeRequest.newBuilder().setSpiffeId(TD + "/db").build()).getVersion()).isEqualTo(2);
    assertThat(policy.listPolicies(ListPoliciesRequest.getDefaultInstance()).getModeOverridesMap()).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void suggestionsFromFlowsAreStoredAndAcceptedOnce(DatastoreConfig.Kind kind) throws Exception {
    start(kind);
    for (String id : List.of("web-1", "web-2")) {
      server.datastore().entries().create(new RegistrationEntry("", TD + "/web/" + id, TD + "/node",
          List.of(new Selector("k8s", "ns:web")), 0, 0, List.of(), false, false, 0, List.of(), 0, false, "", 0));
    }
    server.datastore().flows().add(List.of(
        new FlowStore.Flow(TD + "/web/web-1", "", TD + "/api", 8080, 10, 0, 0, 1, 2),
        new FlowStore.Flow(TD + "/web/web-2", "", TD + "/api", 8080, 0, 0, 4, 1, 2),
        new FlowStore.Flow("", "10.1.2.3", TD + "/api", 9100, 1, 0, 0, 1, 2),
        new FlowStore.Flow(TD + "/intruder", "", TD + "/api", 22, 0, 5, 0, 1, 2),
        new FlowStore.Flow(TD + "/api", "", TD + "/db", 5432, 3, 0, 0, 1, 2)));

    SuggestPoliciesResponse forApi = policy.suggestPolicies(SuggestPoliciesRequest.newBuilder()
        .addDestinationSpiffeIds(TD + "/api").build());
    assertThat(forApi.getFlows()).isEqualTo(3);
    assertThat(forApi.getYaml()).isEqualTo("""
        name: "example.org-api"
        mode: monitor
        applies_to:
          - spiffe_id: "spiffe://example.org/api"
        ingress:
          - from:
              - selector: "k8s:ns:web"
            ports: [8080]
          - from:
              - unauthenticated: {cidr: "10.1.2.3/32"}
            ports: [9100]
        """);
    SuggestPoliciesResponse all = policy.suggestPolicies(SuggestPoliciesRequest.newBuilder().setMode("enforce").build());
    assertThat(all.getFlows()).isEqualTo(4);
    assertThat(all.getYaml()).contains("name: \"example.org-db\"\nmode: enforce\n");
    assertThatThrownBy(() -> policy.acceptSuggestion(AcceptSuggestionRequest.newBuilder()
        .setSuggestionId(forApi.getSuggestionId()).build()))
        .hasMessage("NOT_FOUND: suggestion \"" + forApi.getSuggestionId()
            + "\" not found: it was accepted, superseded by a newer suggestion, or never made");

    ApplyPoliciesResponse accepted = policy.acceptSuggestion(AcceptSuggestionRequest.newBuilder()
        .setSuggestionId(all.getSuggestionId()).build());
    assertThat(accepted).isEqualTo(ApplyPoliciesResponse.newBuilder().setVersion(1)
        .addCreated("example.org-api").addCreated("example.org-db").build());
    assertThatThrownBy(() -> policy.acceptSuggestion(AcceptSuggestionRequest.newBuilder()
        .setSuggestionId(all.getSuggestionId()).build()))
        .satisfies(t -> assertThat(status(t).getCode()).isEqualTo(Status.Code.NOT_FOUND));

    assertThatThrownBy(() -> policy.suggestPolicies(SuggestPoliciesRequest.newBuilder().setMode("strict").build()))
        .hasMessage("INVALID_ARGUMENT: mode must be monitor or enforce, not \"strict\"");
    SuggestPoliciesResponse none = policy.suggestPolicies(SuggestPoliciesRequest.newBuilder()
        .addDestinationSpiffeIds(TD + "/nothing-seen").build());
    assertThat(none).isEqualTo(SuggestPoliciesResponse.getDefaultInstance());
  }

  @Test
  void flowsAreListedWithFilters() throws Exception {
    start(DatastoreConfig.Kind.SQLITE);
    server.datastore().flows().add(List.of(
        new FlowStore.Flow(TD + "/web", "", TD + "/api", 8080, 10, 0, 0, 1, 2),
        new FlowStore.Flow("", "10.1.2.3", TD + "/api", 9100, 0, 2, 0, 1, 2),
        new FlowStore.Flow(TD + "/api", "", TD + "/db", 5432, 0, 0, 3, 1, 2)));
    FlowsGrpc.FlowsBlockingStub flows = FlowsGrpc.newBlockingStub(channel);
    assertThat(flows.listFlows(ListFlowsRequest.getDefaultInstance()).getFlowsCount()).isEqualTo(3);
    assertThat(flows.listFlows(ListFlowsRequest.newBuilder().setDestinationSpiffeId(TD + "/api").setPort(9100).build())
        .getFlowsList()).extracting(f -> f.getSourceAddress()).containsExactly("10.1.2.3");
    assertThat(flows.listFlows(ListFlowsRequest.newBuilder().setSourceSpiffeId(TD + "/web").build())
        .getFlowsList()).extracting(f -> f.getAllowed()).containsExactly(10L);
    assertThat(flows.listFlows(ListFlowsRequest.newBuilder().setSourceAddress("10.1.2.3").build()).getFlowsCount())
        .isEqualTo(1);
    assertThat(flows.listFlows(ListFlowsRequest.newBuilder().setVerdict("would_deny").build())
        .getFlowsList()).extracting(f -> f.getDestinationSpiffeId()).containsExactly(TD + "/db");
    assertThatThrownBy(() -> flows.listFlows(ListFlowsRequest.newBuilder().setVerdict("blocked").build()))
        .hasMessage("INVALID_ARGUMENT: verdict must be allowed, denied or would_deny, not \"blocked\"");
    assertThatThrownBy(() -> flows.listFlows(ListFlowsRequest.newBuilder().setSourceAddress("web.internal").build()))
        .hasMessage("INVALID_ARGUMENT: invalid source address \"web.internal\": not an IPv4 or IPv6 address");
  }
}
