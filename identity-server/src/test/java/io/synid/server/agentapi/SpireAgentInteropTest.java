package io.synid.server.agentapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.CreateJoinTokenRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.Selector;
import io.synid.core.bundle.BundleJson;
import io.synid.core.x509.Pem;
import io.synid.server.IdentityServer;
import io.synid.server.TestServers;
import io.synid.server.ca.CaSettings;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import io.synid.server.entry.RegistrationEntry;
import io.synid.server.datastore.DatastoreConfig;
import io.synid.server.datastore.TestDatastores;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.KeyType;
import io.synid.core.x509.SigningAuthority;
import io.synid.core.x509.X509AuthorityFactory;
import io.synid.core.x509.X509SvidSigner;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An unmodified SPIRE v1.15.3 spire-agent against our identity server: join-token attestation,
 * entry sync, X509-SVID and JWT-SVID issuance through its Workload API.
 *
 * <p>The binaries come from {@code -Dsynid.spireDir} (default
 * {@code ~/.cache/synid/spire-v1.15.3}, built by {@code scripts/build-spire.sh}); a missing binary
 * fails the test. With {@code -Dsynid.goValidator=<path>} the SVIDs are also checked by go-spiffe.
 */
class SpireAgentInteropTest {
  private static final String TD = "example.org";
  private static final Duration WAIT = Duration.ofSeconds(90);

  private Path dir;
  private Path spireAgent;
  private IdentityServer server;
  private SigningAuthority nodeCa;
  private ManagedChannel admin;
  private final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    Path spireDir = Path.of(System.getProperty("synid.spireDir",
        System.getProperty("user.home") + "/.cache/synid/spire-v1.15.3"));
    spireAgent = spireDir.resolve("spire-agent");
    if (!Files.isExecutable(spireAgent)) {
      fail("spire-agent v1.15.3 not found at " + spireAgent + ": build it with scripts/build-spire.sh"
          + " or pass its directory with -Dsynid.spireDir");
    }
    // Short path: the agent's Workload API socket lives here (UNIX socket paths are short).
    dir = Files.createTempDirectory(Path.of("/tmp"), "sai");
    Path serverDir = Files.createDirectories(dir.resolve("server"));
    nodeCa = X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256,
        TrustDomain.parse("nodes.test"), Duration.ofDays(1), Instant.now());
    Path nodeCaPem = serverDir.resolve("node-ca.pem");
    Files.writeString(nodeCaPem, Pem.encodeCertificates(List.of(nodeCa.certificate())));
    IdentityServer.Settings s = TestServers.settings(serverDir,
        TestDatastores.config(DatastoreConfig.Kind.SQLITE, serverDir));
    server = new IdentityServer(new IdentityServer.Settings(s.trustDomain(), s.datastore(), s.ca(),
        s.defaultX509SvidTtl(), s.defaultJwtSvidTtl(), s.adminSocket(), s.auditFile(),
        new AgentApiSettings(new InetSocketAddress("127.0.0.1", 0), Optional.of(nodeCaPem))),
        Clock.systemUTC());
    server.start();
    admin = TestServers.channel(server.settings().adminSocket());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (admin != null) {
      admin.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void spireAgentAttestsWithAJoinTokenAndServesSvidsSignedByOurCa() throws Exception {
    // As `token generate -spiffeID spiffe://example.org/host`: the token comes with an entry
    // that names the agent spiffe://example.org/host, and workloads are registered under it.
    String token = AgentGrpc.newBlockingStub(admin).createJoinToken(CreateJoinTokenRequest
        .newBuilder().setTtl(600).setAgentId(id("/host")).build()).getValue();
    String agentId = "spiffe://" + TD + "/spire/agent/join_token/" + token;
    Path agentSocket = dir.resolve("agent.sock");
    Process agent = startAgent(token, agentSocket);

    long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    EntryGrpc.newBlockingStub(admin).batchCreateEntry(BatchCreateEntryRequest.newBuilder()
        .addEntries(Entry.newBuilder()
            .setSpiffeId(id("/workload"))
            .setParentId(id("/host"))
            .addSelectors(Selector.newBuilder().setType("unix").setValue("uid:" + uid))
            .addDnsNames("workload.example.org"))
        .build());

    Path out = dir.resolve("x509");
    Files.createDirectories(out);
    Result fetched = until(() -> run(spireAgent.toString(), "api", "fetch", "x509",
        "-socketPath", agentSocket.toString(), "-write", out.toString()), agent);
    assertThat(fetched.output()).contains("SPIFFE ID:\t\tspiffe://example.org/workload");

    List<X509Certificate> chain = Pem.decodeCertificates(Files.readString(out.resolve("svid.0.pem")));
    List<X509Certificate> roots = server.ca().bundle().x509Authorities();
    verify(chain, roots);
    assertThat(chain.get(0).getSubjectAlternativeNames().stream().map(s -> String.valueOf(s.get(1))).toList())
        .contains("spiffe://example.org/workload", "workload.example.org");
    assertThat(Pem.decodeCertificates(Files.readString(out.resolve("bundle.0.pem"))))
        .containsExactlyInAnyOrderElementsOf(roots);

    Result jwt = until(() -> run(spireAgent.toString(), "api", "fetch", "jwt", "-audience", "test",
        "-socketPath", agentSocket.toString()), agent);
    assertThat(jwt.output()).contains("token(spiffe://example.org/workload):");
    String token0 = jwt.output().lines().dropWhile(l -> !l.startsWith("token("))
        .skip(1).findFirst().orElseThrow().trim();
    Result validated = run(spireAgent.toString(), "api", "validate", "jwt", "-audience", "test",
        "-svid", token0, "-socketPath", agentSocket.toString());
    assertThat(validated.exit()).as(validated.output()).isZero();
    assertThat(validated.output()).contains("SVID is valid.", "spiffe://example.org/workload");

    String validator = System.getProperty("synid.goValidator", "");
    if (!validator.isEmpty()) {
      Path bundleJson = dir.resolve("bundle.json");
      Files.writeString(bundleJson, BundleJson.encode(server.ca().bundle()));
      Result x509 = run(validator, "x509", "-bundle", bundleJson.toString(), "-td", TD,
          "-svid", out.resolve("svid.0.pem").toString());
      assertThat(x509.exit()).as(x509.output()).isZero();
      assertThat(x509.output()).contains("\"spiffe_id\":\"spiffe://example.org/workload\"");
      Path tokenFile = dir.resolve("jwt.token");
      Files.writeString(tokenFile, token0);
      Result jwtCheck = run(validator, "jwt", "-bundle", bundleJson.toString(), "-td", TD,
          "-token", tokenFile.toString(), "-audience", "test");
      assertThat(jwtCheck.exit()).as(jwtCheck.output()).isZero();
    }

    List<JsonNode> audit = auditRecords();
    assertThat(audit).anySatisfy(r -> {
      assertThat(r.path("event").asText()).isEqualTo("attestation");
      assertThat(r.path("status").asText()).isEqualTo("OK");
      assertThat(r.path("agent_id").asText()).isEqualTo(agentId);
      assertThat(r.path("attestation_type").asText()).isEqualTo("join_token");
    });
    assertThat(server.datastore().nodes().get(agentId)).hasValueSatisfying(n -> {
      assertThat(n.attestationType()).isEqualTo("join_token");
      assertThat(n.canReattest()).isFalse();
    });
  }

  @Test
  void anEvictedJoinTokenAgentCannotAttestAgainWithItsUsedToken() throws Exception {
    String token = AgentGrpc.newBlockingStub(admin)
        .createJoinToken(CreateJoinTokenRequest.newBuilder().setTtl(600).build()).getValue();
    String agentId = "spiffe://" + TD + "/spire/agent/join_token/" + token;
    Process first = startAgent(token, dir.resolve("agent.sock"));
    until(() -> server.datastore().nodes().get(agentId).isPresent()
        ? new Result(0, "") : new Result(1, "not attested yet"), first);
    first.destroy();
    assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();

    // A fresh agent (new data directory) presenting the same token: the token is spent.
    Path data2 = dir.resolve("agent2");
    Process second = startAgent(token, dir.resolve("agent2.sock"), data2);
    assertThat(second.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS))
        .as("an agent with a used join token must give up").isTrue();
    assertThat(second.exitValue()).isNotZero();
    assertThat(Files.readString(data2.resolve("agent.log")))
        .contains("join token does not exist or has already been used");
    assertThat(auditRecords()).anySatisfy(r -> {
      assertThat(r.path("event").asText()).isEqualTo("attestation");
      assertThat(r.path("status").asText()).isEqualTo("PERMISSION_DENIED");
      assertThat(r.path("reason").asText())
          .isEqualTo("failed to attest: join_token: join token does not exist or has already been used");
    });
  }

  @Test
  void entriesDeletedOnTheServerAreWithdrawnAndBannedOrEvictedAgentsStop() throws Exception {
    var agents = AgentGrpc.newBlockingStub(admin);
    long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    List<Process> running = new ArrayList<>();
    List<Path> sockets = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (String name : List.of("banned", "evicted")) {
      String token = agents.createJoinToken(CreateJoinTokenRequest.newBuilder().setTtl(600).build())
          .getValue();
      String agentId = "spiffe://" + TD + "/spire/agent/join_token/" + token;
      Path socket = dir.resolve(name + ".sock");
      running.add(startAgent(token, socket, dir.resolve(name)));
      sockets.add(socket);
      ids.add(agentId);
      EntryGrpc.newBlockingStub(admin).batchCreateEntry(BatchCreateEntryRequest.newBuilder()
          .addEntries(Entry.newBuilder().setSpiffeId(id("/" + name))
              .setParentId(id(agentId.substring(("spiffe://" + TD).length())))
              .addSelectors(Selector.newBuilder().setType("unix").setValue("uid:" + uid)))
          .build());
    }
    for (int i = 0; i < 2; i++) {
      Path socket = sockets.get(i);
      until(() -> run(spireAgent.toString(), "api", "fetch", "x509", "-socketPath",
          socket.toString()), running.get(i));
    }

    // An entry deleted on the server is withdrawn by the agent at its next sync.
    String entryId = server.datastore().entries().list(
        io.synid.server.entry.EntryFilter.ALL.withSpiffeId("spiffe://example.org/banned"), 0, "")
        .entries().get(0).id();
    EntryGrpc.newBlockingStub(admin).batchDeleteEntry(
        io.synid.api.spire.server.entry.v1.BatchDeleteEntryRequest.newBuilder().addIds(entryId)
            .build());
    until(() -> {
      Result r = run(spireAgent.toString(), "api", "fetch", "x509", "-socketPath",
          sockets.get(0).toString());
      return r.exit() != 0 ? new Result(0, r.output()) : new Result(1, "still served");
    }, running.get(0));

    agents.banAgent(io.synid.api.spire.server.agent.v1.BanAgentRequest.newBuilder()
        .setId(id(ids.get(0).substring(("spiffe://" + TD).length()))).build());
    agents.deleteAgent(io.synid.api.spire.server.agent.v1.DeleteAgentRequest.newBuilder()
        .setId(id(ids.get(1).substring(("spiffe://" + TD).length()))).build());
    for (Process p : running) {
      assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS))
          .as("agent stops: banned, or evicted with a spent join token").isTrue();
    }
    assertThat(Files.readString(dir.resolve("banned").resolve("agent.log")))
        .contains("Agent is banned: removing SVID and shutting down");
    // spire-agent knows a join token cannot attest twice, so it stops instead of retrying.
    assertThat(Files.readString(dir.resolve("evicted").resolve("agent.log")))
        .contains("is not attested", "attestation method is not re-attestable");
  }

  /**
   * With a 1-minute CA and 20-second SVIDs, the workload always holds a valid SVID that chains to
   * the bundle it is given, across at least five CA rotations (the agent renews its own SVID
   * and follows the bundle meanwhile).
   */
  @Test
  void theWorkloadKeepsAValidSvidAcrossFiveCaRotations() throws Exception {
    restartServer(Duration.ofMinutes(1), Duration.ofSeconds(20));
    ScheduledExecutorService rotation = Executors.newSingleThreadScheduledExecutor();
    rotation.scheduleWithFixedDelay(() -> {
      try {
        server.ca().rotate();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, 1, 1, TimeUnit.SECONDS);
    try {
      String token = AgentGrpc.newBlockingStub(admin)
          .createJoinToken(CreateJoinTokenRequest.newBuilder().setTtl(600).build()).getValue();
      String agentId = "spiffe://" + TD + "/spire/agent/join_token/" + token;
      Path socket = dir.resolve("agent.sock");
      Process agent = startAgent(token, socket);
      long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
      EntryGrpc.newBlockingStub(admin).batchCreateEntry(BatchCreateEntryRequest.newBuilder()
          .addEntries(Entry.newBuilder().setSpiffeId(id("/rotating"))
              .setParentId(id(agentId.substring(("spiffe://" + TD).length())))
              .addSelectors(Selector.newBuilder().setType("unix").setValue("uid:" + uid)))
          .build());
      Path out = Files.createDirectories(dir.resolve("rotating"));
      until(() -> run(spireAgent.toString(), "api", "fetch", "x509", "-socketPath",
          socket.toString(), "-write", out.toString()), agent);

      Set<String> authorities = new java.util.HashSet<>();
      Set<String> agentSerials = new java.util.HashSet<>();
      // One sample every 2 seconds; any failed fetch or invalid SVID is a gap and fails the test.
      Awaitility.await().atMost(Duration.ofMinutes(9)).pollInterval(Duration.ofSeconds(2))
          .until(() -> {
            Result r = run(spireAgent.toString(), "api", "fetch", "x509", "-socketPath",
                socket.toString(), "-write", out.toString());
            assertThat(r.exit()).as("fetch failed (a gap): %s\n%s", r.output(), agentLogs()).isZero();
            List<X509Certificate> chain =
                Pem.decodeCertificates(Files.readString(out.resolve("svid.0.pem")));
            List<X509Certificate> given =
                Pem.decodeCertificates(Files.readString(out.resolve("bundle.0.pem")));
            assertThat(chain.get(0).getNotAfter().toInstant()).isAfter(Instant.now());
            verify(chain, given);
            authorities.add(chain.get(0).getIssuerX500Principal().getName());
            server.datastore().nodes().get(agentId).ifPresent(n -> agentSerials.add(n.certSerial()));
            return authorities.size() >= 6;
          });
      assertThat(authorities).as("signing authorities seen by the workload").hasSizeGreaterThanOrEqualTo(6);
      assertThat(agentSerials).as("the agent renewed its own SVID").hasSizeGreaterThan(5);
      assertThat(agent.isAlive()).isTrue();
    } finally {
      rotation.shutdownNow();
    }
  }

  private void restartServer(Duration caTtl, Duration svidTtl) throws Exception {
    admin.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    Path serverDir = Files.createDirectories(dir.resolve("server-" + caTtl.toSeconds()));
    IdentityServer.Settings s = TestServers.settings(serverDir,
        TestDatastores.config(DatastoreConfig.Kind.SQLITE, serverDir));
    server = new IdentityServer(new IdentityServer.Settings(s.trustDomain(), s.datastore(),
        new CaSettings(s.trustDomain(), KeyType.EC_P256, KeyType.EC_P256, caTtl,
            Duration.ofSeconds(5), serverDir.resolve("ca"), Optional.empty()),
        svidTtl, svidTtl, s.adminSocket(), s.auditFile(), AgentApiSettings.loopbackEphemeral()),
        Clock.systemUTC());
    server.start();
    admin = TestServers.channel(s.adminSocket());
  }

  @Test
  void spireAgentsOwnX509popPluginAttestsAndNodeAliasEntriesReachIt() throws Exception {
    for (KeyType keyType : List.of(KeyType.RSA_2048, KeyType.EC_P256)) {
      Path data = dir.resolve("x509pop-" + keyType.configName());
      Files.createDirectories(data);
      KeyPair nodeKey = keyType.generate();
      X509Certificate nodeCert = X509SvidSigner.signSvid(nodeCa, nodeKey.getPublic(),
          SpiffeId.parse("spiffe://nodes.test/" + keyType.configName()), List.of(),
          Duration.ofHours(1), Instant.now());
      Pem.writePrivateKey(data.resolve("node.key"), nodeKey.getPrivate());
      Pem.writeCertificates(data.resolve("node.crt"), List.of(nodeCert));
      String agentId = "spiffe://example.org/spire/agent/x509pop/" + sha1(nodeCert.getEncoded());
      Path socket = dir.resolve(keyType.configName() + ".sock");
      Process agent = startAgent(socket, data, String.join("\n",
          "    NodeAttestor \"x509pop\" {",
          "        plugin_data {",
          "            private_key_path = \"" + data.resolve("node.key") + "\"",
          "            certificate_path = \"" + data.resolve("node.crt") + "\"",
          "        }",
          "    }"));
      until(() -> server.datastore().nodes().get(agentId).isPresent()
          ? new Result(0, "") : new Result(1, "not attested yet"), agent);
      assertThat(server.datastore().nodes().get(agentId).orElseThrow().selectors())
          .extracting(sel -> sel.toString())
          .contains("x509pop:ca:fingerprint:" + sha1(nodeCa.certificate().getEncoded()),
              "x509pop:serialnumber:" + nodeCert.getSerialNumber().toString(16));
      agent.destroy();
      assertThat(agent.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    // A node-alias entry on the CA fingerprint and a workload under it reach an x509pop agent.
    String alias = "/cluster/nodes-test";
    long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    EntryGrpc.newBlockingStub(admin).batchCreateEntry(BatchCreateEntryRequest.newBuilder()
        .addEntries(Entry.newBuilder().setSpiffeId(id(alias)).setParentId(id("/spire/server"))
            .addSelectors(Selector.newBuilder().setType("x509pop")
                .setValue("ca:fingerprint:" + sha1(nodeCa.certificate().getEncoded()))))
        .addEntries(Entry.newBuilder().setSpiffeId(id("/via-alias")).setParentId(id(alias))
            .addSelectors(Selector.newBuilder().setType("unix").setValue("uid:" + uid)))
        .build());
    Path data = dir.resolve("x509pop-again");
    Files.createDirectories(data);
    KeyPair nodeKey = KeyType.EC_P256.generate();
    X509Certificate nodeCert = X509SvidSigner.signSvid(nodeCa, nodeKey.getPublic(),
        SpiffeId.parse("spiffe://nodes.test/third"), List.of(), Duration.ofHours(1), Instant.now());
    Pem.writePrivateKey(data.resolve("node.key"), nodeKey.getPrivate());
    Pem.writeCertificates(data.resolve("node.crt"), List.of(nodeCert));
    Path socket = dir.resolve("alias.sock");
    Process agent = startAgent(socket, data, String.join("\n",
        "    NodeAttestor \"x509pop\" {",
        "        plugin_data {",
        "            private_key_path = \"" + data.resolve("node.key") + "\"",
        "            certificate_path = \"" + data.resolve("node.crt") + "\"",
        "        }",
        "    }"));
    Result fetched = until(() -> run(spireAgent.toString(), "api", "fetch", "x509",
        "-socketPath", socket.toString()), agent);
    assertThat(fetched.output()).contains("SPIFFE ID:\t\tspiffe://example.org/via-alias");
  }

  @Test
  void moreThanOnePageOfEntriesReachesTheAgent() throws Exception {
    String token = AgentGrpc.newBlockingStub(admin)
        .createJoinToken(CreateJoinTokenRequest.newBuilder().setTtl(600).build()).getValue();
    String agentId = "spiffe://" + TD + "/spire/agent/join_token/" + token;
    long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    List<RegistrationEntry> entries = new ArrayList<>();
    for (int i = 0; i < 700; i++) {
      entries.add(new RegistrationEntry("", "spiffe://example.org/bulk/" + i, agentId,
          List.of(new io.synid.core.selector.Selector("unix", "uid:" + (100_000 + i))), 0, 0,
          List.of(), false, false, 0, List.of(), 0, false, "", 0));
    }
    for (String name : List.of("first", "second")) {
      entries.add(new RegistrationEntry("", "spiffe://example.org/paged/" + name, agentId,
          List.of(new io.synid.core.selector.Selector("unix", "uid:" + uid)), 0, 0, List.of(),
          false, false, 0, List.of(), 0, false, "", 0));
    }
    server.datastore().entries().createAll(entries);
    Path socket = dir.resolve("agent.sock");
    Process agent = startAgent(token, socket);

    Result fetched = until(() -> {
      Result r = run(spireAgent.toString(), "api", "fetch", "x509", "-socketPath", socket.toString());
      return r.output().contains("Received 2 svids") ? r : new Result(1, r.output());
    }, agent);
    assertThat(fetched.output()).contains("spiffe://example.org/paged/first",
        "spiffe://example.org/paged/second");
  }

  private static String sha1(byte[] der) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(der));
  }

  private Process startAgent(String token, Path socket) throws IOException {
    return startAgent(token, socket, dir.resolve("agent"));
  }

  private Process startAgent(String token, Path socket, Path data) throws IOException {
    return startAgent(socket, data, JOIN_TOKEN_ATTESTOR, "-joinToken", token);
  }

  /** The node attestor block of the config template, replaced for x509pop agents. */
  private static final String JOIN_TOKEN_ATTESTOR =
      "    NodeAttestor \"join_token\" {\n        plugin_data {}\n    }";

  private Process startAgent(Path socket, Path data, String nodeAttestor, String... extraArgs)
      throws IOException {
    Files.createDirectories(data);
    Path bundle = data.resolve("bundle.pem");
    try {
      Files.writeString(bundle, Pem.encodeCertificates(server.ca().bundle().x509Authorities()));
    } catch (Exception e) {
      throw new IOException("cannot write the bootstrap bundle: " + e.getMessage(), e);
    }
    String template = Files.readString(repositoryRoot().resolve("interop/spire/conf/agent.conf.tmpl"));
    Path config = data.resolve("agent.conf");
    if (!template.contains(JOIN_TOKEN_ATTESTOR)) {
      throw new IllegalStateException("agent.conf.tmpl no longer has the join_token block");
    }
    Files.writeString(config, template
        .replace(JOIN_TOKEN_ATTESTOR, nodeAttestor)
        .replace("@TRUST_DOMAIN@", TD)
        .replace("@DATA_DIR@", data.toString())
        .replace("@SERVER_PORT@", String.valueOf(server.agentApiPort()))
        .replace("@SOCKET@", socket.toString())
        .replace("@TRUST_BUNDLE@", bundle.toString()));
    List<String> command = new ArrayList<>(List.of(spireAgent.toString(), "run", "-config",
        config.toString()));
    command.addAll(List.of(extraArgs));
    Process p = new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(data.resolve("agent.log").toFile()).start();
    processes.add(p);
    return p;
  }

  private static Path repositoryRoot() {
    Path here = Path.of("").toAbsolutePath();
    while (here != null && !Files.exists(here.resolve("interop/spire/conf/agent.conf.tmpl"))) {
      here = here.getParent();
    }
    if (here == null) {
      throw new IllegalStateException("interop/spire/conf/agent.conf.tmpl not found above "
          + Path.of("").toAbsolutePath());
    }
    return here;
  }

  private static SPIFFEID id(String path) {
    return SPIFFEID.newBuilder().setTrustDomain(TD).setPath(path).build();
  }

  private static void verify(List<X509Certificate> chain, List<X509Certificate> roots)
      throws Exception {
    Set<TrustAnchor> anchors = roots.stream().map(r -> new TrustAnchor(r, null))
        .collect(Collectors.toSet());
    PKIXParameters params = new PKIXParameters(anchors);
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), params);
  }

  private List<JsonNode> auditRecords() throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> records = new ArrayList<>();
    for (String line : Files.readAllLines(server.settings().auditFile())) {
      records.add(json.readTree(line));
    }
    return records;
  }

  private record Result(int exit, String output) {}

  @FunctionalInterface
  private interface Attempt {
    Result run() throws Exception;
  }

  /** Retries until exit 0, at most {@link #WAIT}; fails with the agent's log otherwise. */
  private Result until(Attempt attempt, Process agent) throws Exception {
    AtomicReference<Result> last = new AtomicReference<>();
    try {
      Awaitility.await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
          .until(() -> {
            if (!agent.isAlive()) {
              throw new IllegalStateException("spire-agent exited with " + agent.exitValue());
            }
            last.set(attempt.run());
            return last.get().exit() == 0;
          });
    } catch (ConditionTimeoutException | IllegalStateException e) {
      fail(e.getMessage() + "; last attempt: "
          + (last.get() == null ? "none" : last.get().output()) + "\nagent log:\n" + agentLogs());
    }
    return last.get();
  }

  private String agentLogs() throws IOException {
    StringBuilder logs = new StringBuilder();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path log : files.filter(p -> p.getFileName().toString().equals("agent.log")).toList()) {
        List<String> lines = Files.readAllLines(log);
        logs.append(log).append(":\n")
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())))
            .append('\n');
      }
    }
    return logs.toString();
  }

  private static Result run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out: " + String.join(" ", command));
      }
      return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(),
          StandardCharsets.UTF_8));
    } finally {
      p.destroyForcibly();
    }
  }
}
