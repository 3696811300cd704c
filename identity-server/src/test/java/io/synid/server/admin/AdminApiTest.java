package io.synid.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.CreateJoinTokenRequest;
import io.synid.api.spire.server.bundle.v1.BundleGrpc;
import io.synid.api.spire.server.bundle.v1.GetBundleRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryResponse;
import io.synid.api.spire.server.entry.v1.CountEntriesRequest;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.server.entry.v1.ListEntriesRequest;
import io.synid.api.spire.server.svid.v1.MintJWTSVIDRequest;
import io.synid.api.spire.server.svid.v1.MintX509SVIDRequest;
import io.synid.api.spire.server.svid.v1.SVIDGrpc;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.Selector;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.x509.Csr;
import io.synid.core.x509.KeyType;
import io.synid.server.IdentityServer;
import io.synid.server.TestServers;
import io.synid.server.datastore.DatastoreConfig;
import io.synid.server.datastore.TestDatastores;
import io.synid.server.entry.EntryFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AdminApiTest {
  @TempDir Path tmp;

  static List<DatastoreConfig.Kind> kinds() {
    return TestDatastores.kinds();
  }

  static SPIFFEID id(String path) {
    return SPIFFEID.newBuilder().setTrustDomain("example.org").setPath(path).build();
  }

  static Entry.Builder entry(String path) {
    return Entry.newBuilder().setSpiffeId(id(path)).setParentId(id("/node"))
        .addSelectors(Selector.newBuilder().setType("unix").setValue("uid:1000"));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void callerIsIdentifiedBySoPeercredAndEveryCallIsAudited(DatastoreConfig.Kind kind) throws Exception {
    try (IdentityServer server = TestServers.start(tmp, kind)) {
      ManagedChannel channel = TestServers.channel(server.settings().adminSocket());
      try {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        EntryGrpc.newBlockingStub(channel).countEntries(CountEntriesRequest.getDefaultInstance());
        assertThatThrownBy(() -> SVIDGrpc.newBlockingStub(channel).mintX509SVID(
            MintX509SVIDRequest.newBuilder().setCsr(ByteString.copyFromUtf8("not a csr")).build()))
            .isInstanceOf(StatusRuntimeException.class)
            .hasMessageStartingWith("INVALID_ARGUMENT: malformed CSR");
      } finally {
        channel.shutdownNow();
      }
      List<JsonNode> records = audit(server);
      assertThat(records).extracting(r -> r.get("method").asText())
          .contains("Check", "CountEntries", "MintX509SVID");
      JsonNode count = records.stream().filter(r -> r.get("method").asText().equals("CountEntries")).findFirst().orElseThrow();
      assertThat(count.get("schema").asText()).isEqualTo("synid.audit/v1");
      assertThat(count.get("service").asText()).isEqualTo("spire.api.server.entry.v1.Entry");
      assertThat(count.get("status").asText()).isEqualTo("OK");
      assertThat(count.get("caller").get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
      assertThat(count.get("caller").get("uid").asInt()).isEqualTo(uid());
      JsonNode mint = records.stream().filter(r -> r.get("method").asText().equals("MintX509SVID")).findFirst().orElseThrow();
      assertThat(mint.get("status").asText()).isEqualTo("INVALID_ARGUMENT");
      assertThat(mint.get("request").get("csr").asText()).isEqualTo("[redacted]");
      assertThat(PosixPermissions.of(server.settings().adminSocket().getParent())).isEqualTo("rwx------");
    }
  }

  static Stream<Arguments> hostileEntries() {
    return Stream.of(
        Arguments.of("missing spiffe id", Entry.newBuilder().setParentId(id("/node"))
            .addSelectors(Selector.newBuilder().setType("unix").setValue("uid:1")).build(),
            "failed to convert entry: invalid spiffe_id: missing"),
        Arguments.of("other trust domain", entry("/w").setSpiffeId(SPIFFEID.newBuilder()
            .setTrustDomain("evil.org").setPath("/w")).build(),
            "failed to convert entry: invalid spiffe_id \"spiffe://evil.org/w\": not a member of trust domain \"example.org\""),
        Arguments.of("reserved path", entry("/spire/agent/x").build(),
            "failed to convert entry: invalid spiffe_id \"spiffe://example.org/spire/agent/x\": paths under /spire/ are reserved for SPIRE server and agent identities"),
        Arguments.of("uppercase trust domain", entry("/w").setSpiffeId(SPIFFEID.newBuilder()
            .setTrustDomain("Example.org").setPath("/w")).build(),
            "failed to convert entry: invalid spiffe_id: trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores"),
        Arguments.of("dot segment", entry("/a/../b").build(),
            "failed to convert entry: invalid spiffe_id: path cannot contain dot segments"),
        Arguments.of("no selectors", entry("/w").clearSelectors().build(),
            "failed to convert entry: invalid selectors: at least one selector is required"),
        Arguments.of("selector without value", entry("/w").clearSelectors()
            .addSelectors(Selector.newBuilder().setType("unix")).build(),
            "failed to convert entry: invalid selector \"unix:\": selector value cannot be empty"),
        Arguments.of("selector type with colon", entry("/w").clearSelectors()
            .addSelectors(Selector.newBuilder().setType("a:b").setValue("c")).build(),
            "failed to convert entry: invalid selector \"a:b:c\": selector type cannot contain a colon"),
        Arguments.of("oversized hint", entry("/w").setHint("h".repeat(1025)).build(),
            "failed to convert entry: invalid hint: longer than 1024 characters"),
        Arguments.of("negative ttl", entry("/w").setX509SvidTtl(-1).build(),
            "failed to convert entry: invalid x509_svid_ttl: cannot be negative"),
        Arguments.of("bad dns", entry("/w").addDnsNames("bad_name.example.org").build(),
            "failed to convert entry: invalid DNS name \"bad_name.example.org\": label \"bad_name\" must be 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen"),
        Arguments.of("federates with itself", entry("/w").addFederatesWith("example.org").build(),
            "failed to convert entry: invalid federates_with \"example.org\": an entry cannot federate with its own trust domain"),
        Arguments.of("bad entry id", entry("/w").setId("has space").build(),
            "failed to convert entry: invalid entry ID: only letters, digits and . _ : - are allowed"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileEntries")
  void hostileEntriesAreRefusedWithAPreciseErrorAndNothingIsStored(String name, Entry hostile, String message)
      throws Exception {
    try (IdentityServer server = TestServers.start(tmp, DatastoreConfig.Kind.SQLITE)) {
      ManagedChannel channel = TestServers.channel(server.settings().adminSocket());
      try {
        BatchCreateEntryResponse response = EntryGrpc.newBlockingStub(channel).batchCreateEntry(
            BatchCreateEntryRequest.newBuilder().addEntries(hostile).build());
        assertThat(response.getResults(0).getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
        assertThat(response.getResults(0).getStatus().getMessage()).isEqualTo(message);
        assertThat(server.datastore().entries().count(EntryFilter.ALL)).isZero();
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void batchCreateReportsPerItemStatusIncludingAlreadyExists(DatastoreConfig.Kind kind) throws Exception {
    try (IdentityServer server = TestServers.start(tmp, kind)) {
      ManagedChannel channel = TestServers.channel(server.settings().adminSocket());
      try {
        var stub = EntryGrpc.newBlockingStub(channel);
        BatchCreateEntryResponse first = stub.batchCreateEntry(BatchCreateEntryRequest.newBuilder()
            .addEntries(entry("/a")).addEntries(entry("/b")).addEntries(entry("/a").clearSelectors()).build());
        assertThat(first.getResultsList()).extracting(r -> r.getStatus().getCode()).containsExactly(0, 0, 3);
        BatchCreateEntryResponse second = stub.batchCreateEntry(BatchCreateEntryRequest.newBuilder()
            .addEntries(entry("/a")).build());
        assertThat(second.getResults(0).getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS.value());
        assertThat(second.getResults(0).getStatus().getMessage()).isEqualTo("similar entry already exists");
        assertThat(second.getResults(0).getEntry().getId()).isEqualTo(first.getResults(0).getEntry().getId());
        assertThat(stub.listEntries(ListEntriesRequest.getDefaultInstance()).getEntriesCount()).isEqualTo(2);
        JsonNode batch = audit(server).stream().filter(r -> r.get("method").asText().equals("BatchCreateEntry"))
            .findFirst().orElseThrow();
        assertThat(batch.get("item_status").get("OK").asInt()).isEqualTo(2);
        assertThat(batch.get("item_status").get("INVALID_ARGUMENT").asInt()).isEqualTo(1);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void mintedSvidsVerifyAgainstTheBundleAndCsrsAreChecked(DatastoreConfig.Kind kind) throws Exception {
    try (IdentityServer server = TestServers.start(tmp, kind)) {
      ManagedChannel channel = TestServers.channel(server.settings().adminSocket());
      try {
        var svid = SVIDGrpc.newBlockingStub(channel);
        var keys = KeyType.EC_P256.generate();
        byte[] csr = Csr.create(keys, SpiffeId.parse("spiffe://example.org/workload"));
        var minted = svid.mintX509SVID(MintX509SVIDRequest.newBuilder().setCsr(ByteString.copyFrom(csr)).setTtl(600).build());
        assertThat(minted.getSvid().getId().getPath()).isEqualTo("/workload");
        var bundle = BundleGrpc.newBlockingStub(channel).getBundle(GetBundleRequest.getDefaultInstance());
        var cf = java.security.cert.CertificateFactory.getInstance("X.509");
        var leaf = (java.security.cert.X509Certificate) cf.generateCertificate(minted.getSvid().getCertChain(0).newInput());
        var root = (java.security.cert.X509Certificate) cf.generateCertificate(bundle.getX509Authorities(0).getAsn1().newInput());
        leaf.verify(root.getPublicKey());
        assertThat(leaf.getPublicKey()).isEqualTo(keys.getPublic());

        byte[] otherDomain = Csr.create(keys, SpiffeId.parse("spiffe://evil.org/workload"));
        assertThatThrownBy(() -> svid.mintX509SVID(MintX509SVIDRequest.newBuilder().setCsr(ByteString.copyFrom(otherDomain)).build()))
            .hasMessage("INVALID_ARGUMENT: CSR URI SAN \"spiffe://evil.org/workload\" is not a member of trust domain \"example.org\"");
        byte[] tampered = csr.clone();
        tampered[tampered.length - 5] ^= 0x01;
        assertThatThrownBy(() -> svid.mintX509SVID(MintX509SVIDRequest.newBuilder().setCsr(ByteString.copyFrom(tampered)).build()))
            .hasMessageStartingWith("INVALID_ARGUMENT: malformed CSR");

        var jwt = svid.mintJWTSVID(MintJWTSVIDRequest.newBuilder().setId(id("/workload")).addAudience("db").build());
        assertThat(jwt.getSvid().getToken()).isNotEmpty();
        assertThatThrownBy(() -> svid.mintJWTSVID(MintJWTSVIDRequest.newBuilder().setId(id("/workload")).build()))
            .hasMessage("INVALID_ARGUMENT: at least one audience is required");
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void joinTokenWithAgentIdCreatesTheAliasEntryLikeSpire(DatastoreConfig.Kind kind) throws Exception {
    try (IdentityServer server = TestServers.start(tmp, kind)) {
      ManagedChannel channel = TestServers.channel(server.settings().adminSocket());
      try {
        var token = AgentGrpc.newBlockingStub(channel).createJoinToken(CreateJoinTokenRequest.newBuilder()
            .setTtl(600).setAgentId(id("/host")).build());
        assertThat(token.getValue()).matches("[0-9a-f-]{36}");
        var entries = server.datastore().entries().list(EntryFilter.ALL, 0, "").entries();
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).parentId()).isEqualTo("spiffe://example.org/spire/agent/join_token/" + token.getValue());
        assertThat(entries.get(0).spiffeId()).isEqualTo("spiffe://example.org/host");
        assertThat(entries.get(0).selectors().get(0).toString())
            .isEqualTo("spiffe_id:spiffe://example.org/spire/agent/join_token/" + token.getValue());
        assertThatThrownBy(() -> AgentGrpc.newBlockingStub(channel).createJoinToken(CreateJoinTokenRequest.newBuilder().build()))
            .hasMessage("INVALID_ARGUMENT: ttl is required, you must provide one");
      } finally {
        channel.shutdownNow();
      }
    }
  }

  static List<JsonNode> audit(IdentityServer server) throws Exception {
    ObjectMapper json = new ObjectMapper();
    return Files.readAllLines(server.settings().auditFile()).stream().map(l -> {
      try {
        return json.readTree(l);
      } catch (Exception e) {
        throw new AssertionError("audit line is not JSON: " + l, e);
      }
    }).toList();
  }

  static int uid() throws Exception {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }

  /** POSIX permission string of a path. */
  static final class PosixPermissions {
    static String of(Path p) throws Exception {
      return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
  }
}
