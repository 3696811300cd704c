package io.synid.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.synid.agent.config.AgentSettings.NodeAttestation;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class AgentSettingsTest {
  /** Six lines; cases below append to it, so their line numbers start at 7. */
  private static final String BASE = """
      trustDomain: example.org
      dataDir: /var/lib/synid/agent
      trustBundle:
        path: /etc/synid/bootstrap-bundle.pem
      nodeAttestor:
        joinToken: token-1
      """;
  private static final String TOP_LEVEL_KEYS = "audit, dataDir, handshake, nodeAttestor, server, syncInterval,"
      + " trustBundle, trustDomain, workloadApi, workloadAttestors";

  private static List<String> problems(String yaml) {
    try {
      AgentSettings settings = AgentSettings.parse("agent.yaml", yaml);
      return fail("expected the configuration to be refused, got " + settings);
    } catch (InvalidAgentConfigException e) {
      assertThat(e.getMessage()).isEqualTo("agent.yaml: " + String.join("; ", e.problems()));
      return e.problems();
    }
  }

  private static AgentSettings parse(String yaml) throws InvalidAgentConfigException {
    return AgentSettings.parse("agent.yaml", yaml);
  }

  /**
   * Hostile inputs and every problem each must report, in order. An expected problem ending in
   * {@code *} is a prefix (one also starting with {@code *}, a substring): the rest is the YAML
   * parser's or the data binder's own wording.
   */
  static Stream<Arguments> hostileInputs() {
    return Stream.of(
        Arguments.of("unknown keys at several levels, with the other problems", """
            trustDomian: example.org
            dataDir: /var/lib/synid/agent
            trustBundle:
              path: /etc/b.pem
              formt: pem
            nodeAttestor:
              joinToken: t
            """, List.of(
            "line 1: unknown field \"trustDomian\" (known here: " + TOP_LEVEL_KEYS + ")",
            "line 5: unknown field \"trustBundle.formt\" (known here: format, path, url)",
            "trustDomain is required")),
        Arguments.of("an unknown key with a block value is reported at the key's line", BASE + """
            server:
              address: 10.0.0.1

              tls:
                insecure: true
            unix: {}
            """, List.of(
            "line 10: unknown field \"server.tls\" (known here: address, port)",
            "line 12: unknown field \"unix\" (known here: " + TOP_LEVEL_KEYS + ")")),
        Arguments.of("an unknown key three levels down", """
            trustDomain: example.org
            dataDir: /d
            trustBundle:
              path: /b
            nodeAttestor:
              x509pop:
                certificatePath: /etc/node.crt
                keyPath: /etc/node.key
            """, List.of(
            "line 8: unknown field \"nodeAttestor.x509pop.keyPath\" (known here: certificatePath,"
                + " intermediatesPath, privateKeyPath)",
            "nodeAttestor.x509pop: certificatePath and privateKeyPath are required")),
        Arguments.of("a string where a number belongs", BASE + "server:\n  port: https\n", List.of(
            "line 8: field \"server.port\": Cannot deserialize value of type `int` from String"
                + " \"https\": not a valid `int` value")),
        Arguments.of("a fractional port", BASE + "server:\n  port: 8081.5\n", List.of(
            "line 8: field \"server.port\": Cannot coerce Floating-point value (8081.5) to `int`*")),
        Arguments.of("a port beyond int", BASE + "server:\n  port: 99999999999\n", List.of(
            "line 8: field \"server.port\": Numeric value (99999999999) out of range of int*")),
        Arguments.of("a port beyond long", BASE + "server:\n  port: 9" + "9".repeat(40) + "\n",
            List.of("line 8: field \"server.port\": Numeric value (9" + "9".repeat(40)
                + ") out of range of int*")),
        Arguments.of("a port beyond double", BASE + "server:\n  port: 1e400\n", List.of(
            "line 8: field \"server.port\": Cannot coerce Floating-point value (1e400) to `int`*")),
        Arguments.of("a null port", BASE + "server:\n  port: ~\n", List.of(
            "line 8: field \"server.port\": Cannot map `null` into type `int`*")),
        Arguments.of("ports out of range", BASE + "server:\n  port: 65536\n", List.of(
            "server.port must be between 1 and 65535, not 65536")),
        Arguments.of("a negative port", BASE + "server:\n  port: -1\n", List.of(
            "server.port must be between 1 and 65535, not -1")),
        Arguments.of("a list where a section belongs", BASE + "server: [a, b]\n", List.of(
            "line 7: field \"server\": Cannot deserialize value of type"
                + " `io.synid.agent.config.AgentConfig$ServerConfig` from Array value*")),
        Arguments.of("a list of attestors instead of a map", BASE + "workloadAttestors: [unix]\n",
            List.of("line 7: field \"workloadAttestors\": Cannot deserialize value of type*")),
        Arguments.of("a list where a string belongs", BASE + "syncInterval: [5s]\n", List.of(
            "line 7: field \"syncInterval\": Cannot deserialize value of type `java.lang.String`"
                + " from Array value*")),
        Arguments.of("every required field missing", "syncInterval: 5s\n", List.of(
            "trustDomain is required",
            "dataDir is required",
            "trustBundle: exactly one of path and url is required",
            "nodeAttestor: exactly one of joinToken and x509pop is required")),
        Arguments.of("both bundle sources and both attestation methods", """
            trustDomain: example.org
            dataDir: /d
            trustBundle:
              path: /b
              url: https://bundle.example.org/
            nodeAttestor:
              joinToken: t
              x509pop:
                certificatePath: /c
                privateKeyPath: /k
            """, List.of(
            "trustBundle: exactly one of path and url is required",
            "nodeAttestor: exactly one of joinToken and x509pop is required")),
        Arguments.of("neither bundle source nor attestation method", """
            trustDomain: example.org
            dataDir: /d
            trustBundle:
              format: pem
            nodeAttestor: {}
            """, List.of(
            "trustBundle: exactly one of path and url is required",
            "nodeAttestor: exactly one of joinToken and x509pop is required")),
        Arguments.of("null sections", """
            trustDomain: example.org
            dataDir: /d
            server:
            trustBundle:
            nodeAttestor:
            workloadApi:
            workloadAttestors:
            """, List.of(
            "server.address is required",
            "trustBundle: exactly one of path and url is required",
            "nodeAttestor: exactly one of joinToken and x509pop is required",
            "workloadAttestors: at least one workload attestor is required",
            "workloadApi.socketPath must be an absolute path")),
        Arguments.of("a bad value in every field, reported at once", """
            trustDomain: Example.ORG
            dataDir: " "
            server:
              address: ""
              port: 0
            trustBundle:
              url: http://bundle.example.org/
              format: spiffe
            nodeAttestor:
              joinToken: ""
            workloadAttestors: {}
            workloadApi:
              socketPath: run/synid/api.sock
            syncInterval: 5d
            """, List.of(
            "trustDomain \"Example.ORG\" is invalid: trust domain characters are limited to"
                + " lowercase letters, numbers, dots, dashes, and underscores",
            "dataDir is required",
            "server.address is required",
            "server.port must be between 1 and 65535, not 0",
            "trustBundle.url must be an https URL",
            "nodeAttestor.joinToken is empty",
            "workloadAttestors: at least one workload attestor is required",
            "workloadApi.socketPath must be an absolute path",
            "syncInterval: \"5d\" is not a duration (a whole number followed by ms, s, m or h,"
                + " e.g. 5s)")),
        Arguments.of("a trust domain with a path", BASE.replace("example.org",
            "spiffe://example.org/ns"), List.of(
            "trustDomain \"spiffe://example.org/ns\" is invalid: trust domain ID cannot have a path")),
        Arguments.of("an https URL without a host", BASE.replace(
            "path: /etc/synid/bootstrap-bundle.pem", "url: \"https:bundle.pem\""), List.of(
            "trustBundle.url must be an https URL")),
        Arguments.of("a file URL", BASE.replace(
            "path: /etc/synid/bootstrap-bundle.pem", "url: file:///etc/bundle.pem"), List.of(
            "trustBundle.url must be an https URL")),
        Arguments.of("a URL that does not parse", BASE.replace(
            "path: /etc/synid/bootstrap-bundle.pem", "url: \"ht tps://x\""), List.of(
            "trustBundle.url is not a URL: Illegal character in scheme name at index 2: ht tps://x")),
        Arguments.of("an unknown bundle format", BASE.replace(
            "path: /etc/synid/bootstrap-bundle.pem", "path: /b\n  format: der"), List.of(
            "trustBundle.format must be pem or spiffe, not \"der\"")),
        Arguments.of("x509pop without its key", BASE.replace("joinToken: token-1",
            "x509pop:\n    certificatePath: /c"), List.of(
            "nodeAttestor.x509pop: certificatePath and privateKeyPath are required")),
        Arguments.of("a relative socket path", BASE + "workloadApi:\n  socketPath: api.sock\n",
            List.of("workloadApi.socketPath must be an absolute path")),
        Arguments.of("a null socket path", BASE + "workloadApi:\n  socketPath:\n",
            List.of("workloadApi.socketPath must be an absolute path")),
        Arguments.of("NUL characters in every path", """
            trustDomain: example.org
            dataDir: "/var/\\0lib"
            trustBundle:
              path: "/etc/\\0b.pem"
            nodeAttestor:
              x509pop:
                certificatePath: "/c\\0"
                privateKeyPath: "/k\\0"
                intermediatesPath: "/i\\0"
            workloadApi:
              socketPath: "/run/\\0api.sock"
            audit:
              path: "/a\\0"
            """, List.of(
            "dataDir is not a valid path: Nul character not allowed",
            "trustBundle.path is not a valid path: Nul character not allowed",
            "nodeAttestor.x509pop.certificatePath is not a valid path: Nul character not allowed",
            "nodeAttestor.x509pop.privateKeyPath is not a valid path: Nul character not allowed",
            "nodeAttestor.x509pop.intermediatesPath is not a valid path: Nul character not allowed",
            "workloadApi.socketPath is not a valid path: Nul character not allowed",
            "audit.path is not a valid path: Nul character not allowed")),
        Arguments.of("a duplicated key", BASE + "trustDomain: evil.example\n", List.of(
            "line 7: Duplicate field 'trustDomain'*")),
        Arguments.of("an empty file", "", List.of("the configuration is empty")),
        Arguments.of("a blank file", "  \n\n   \n", List.of("the configuration is empty")),
        Arguments.of("only comments", "# trustDomain: example.org\n# nothing else\n",
            List.of("the configuration is empty")),
        Arguments.of("an explicit null document", "~\n", List.of("the configuration is empty")),
        Arguments.of("a list document", "- trustDomain: example.org\n", List.of(
            "line 1: Cannot deserialize value of type `io.synid.agent.config.AgentConfig` from"
                + " Array value*")),
        Arguments.of("a scalar document", "example.org\n", List.of(
            "line 1: Cannot construct instance of `io.synid.agent.config.AgentConfig`*")),
        Arguments.of("a YAML syntax error", "trustDomain: example.org\n  dataDir: /d\n", List.of(
            "line 2: mapping values are not allowed here*")),
        Arguments.of("an unclosed flow mapping", BASE + "server: {address: x\n", List.of(
            "line 8: field \"server\": while parsing a flow mapping*")),
        Arguments.of("a syntax error after an unknown key", BASE + "colour: blue\nserver: {\n", List.of(
            "line 7: unknown field \"colour\" (known here: " + TOP_LEVEL_KEYS + ")",
            "line 9: field \"server\": while parsing a flow node*")),
        Arguments.of("tab indentation", BASE + "server:\n\taddress: x\n", List.of(
            "line 8: while scanning for the next token*")),
        Arguments.of("a control character", BASE + "syncInterval: \u0007\n", List.of(
            "*special characters are not allowed*")),
        Arguments.of("pathologically deep nesting", "x: " + "[".repeat(5000) + "\n", List.of(
            "line 1: unknown field \"x\" (known here: " + TOP_LEVEL_KEYS + ")",
            "Document nesting depth (1001) exceeds the maximum allowed*")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileInputs")
  void hostileInputIsRefusedWithEveryProblem(String name, String yaml, List<String> expected) {
    List<String> actual = problems(yaml);

    assertThat(actual).as("problems of %s", name).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      String want = expected.get(i);
      if (want.startsWith("*") && want.endsWith("*")) {
        assertThat(actual.get(i)).contains(want.substring(1, want.length() - 1));
      } else if (want.endsWith("*")) {
        assertThat(actual.get(i)).startsWith(want.substring(0, want.length() - 1));
      } else {
        assertThat(actual.get(i)).isEqualTo(want);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"5", "s", "1.5s", "-5s", "+5s", "5 s", "5S", "5sec", "1d", "1w", "ms",
      "0x10s", "1e3ms", "9999999999s", "99999999999999999999999h", "5s5s", "５s"})
  void malformedDurationsAreRefused(String text) {
    assertThatThrownBy(() -> AgentSettings.duration(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("\"" + text + "\" is not a duration (a whole number followed by ms, s, m or h,"
            + " e.g. 5s)");
    assertThat(problems(BASE + "syncInterval: \"" + text + "\"\n")).containsExactly(
        "syncInterval: \"" + text + "\" is not a duration (a whole number followed by ms, s, m or"
            + " h, e.g. 5s)");
  }

  @Test
  void aMissingDurationIsRefused() {
    assertThatThrownBy(() -> AgentSettings.duration(null))
        .hasMessage("\"null\" is not a duration (a whole number followed by ms, s, m or h, e.g. 5s)");
    assertThat(problems(BASE + "syncInterval: ~\n")).containsExactly(
        "syncInterval: \"null\" is not a duration (a whole number followed by ms, s, m or h, e.g. 5s)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0ms", "0s", "0m", "0h", "000000000h"})
  void aZeroSyncIntervalIsRefused(String text) {
    assertThat(problems(BASE + "syncInterval: " + text + "\n"))
        .containsExactly("syncInterval must be positive");
  }

  @Test
  void durationsInEveryUnitUpToTheLargestAccepted() {
    assertThat(AgentSettings.duration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(AgentSettings.duration("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(AgentSettings.duration("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(AgentSettings.duration("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(AgentSettings.duration(" 7s ")).isEqualTo(Duration.ofSeconds(7));
    assertThat(AgentSettings.duration("000000001ms")).isEqualTo(Duration.ofMillis(1));
    assertThat(AgentSettings.duration("999999999h")).isEqualTo(Duration.ofHours(999_999_999));
    assertThat(AgentSettings.duration("999999999h").toMillis()).isPositive();
  }

  @Test
  void aMinimalFileTakesTheDefaults() throws Exception {
    AgentSettings s = parse(BASE);

    assertThat(s.trustDomain().name()).isEqualTo("example.org");
    assertThat(s.dataDir()).isEqualTo(Path.of("/var/lib/synid/agent"));
    assertThat(s.serverAddress()).isEqualTo("127.0.0.1");
    assertThat(s.serverPort()).isEqualTo(8081);
    assertThat(s.bootstrapBundle()).isEqualTo(new AgentSettings.BootstrapBundle(
        Path.of("/etc/synid/bootstrap-bundle.pem"), null, false));
    assertThat(s.nodeAttestation()).isEqualTo(new NodeAttestation.JoinToken("token-1"));
    assertThat(s.workloadAttestors()).isEqualTo(Map.of("unix", Map.of()));
    assertThat(s.workloadApiSocket()).isEqualTo(Path.of("/run/synid/agent/public/api.sock"));
    assertThat(s.syncInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.auditPath()).isEqualTo(Path.of("/var/lib/synid/agent/audit.jsonl"));
  }

  @Test
  void everyKeySet() throws Exception {
    AgentSettings s = parse("""
        trustDomain: spiffe://prod.example
        dataDir: /srv/agent
        server:
          address: server.prod.example
          port: 443
        trustBundle:
          url: https://bundle.prod.example/bundle
          format: spiffe
        nodeAttestor:
          x509pop:
            certificatePath: /etc/node.crt
            privateKeyPath: /etc/node.key
            intermediatesPath: /etc/node-chain.pem
        workloadAttestors:
          unix:
            discover_workload_path: true
          docker:
        workloadApi:
          socketPath: /run/agent.sock
        syncInterval: 250ms
        audit:
          path: /var/log/synid/audit.jsonl
        """);

    assertThat(s.trustDomain().name()).isEqualTo("prod.example");
    assertThat(s.serverAddress()).isEqualTo("server.prod.example");
    assertThat(s.serverPort()).isEqualTo(443);
    assertThat(s.bootstrapBundle()).isEqualTo(new AgentSettings.BootstrapBundle(null,
        URI.create("https://bundle.prod.example/bundle"), true));
    assertThat(s.nodeAttestation()).isEqualTo(new NodeAttestation.X509Pop(
        Path.of("/etc/node.crt"), Path.of("/etc/node.key"), Path.of("/etc/node-chain.pem")));
    assertThat(s.workloadAttestors()).containsExactly(
        Map.entry("unix", Map.of("discover_workload_path", true)), Map.entry("docker", Map.of()));
    assertThat(s.workloadApiSocket()).isEqualTo(Path.of("/run/agent.sock"));
    assertThat(s.syncInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(s.auditPath()).isEqualTo(Path.of("/var/log/synid/audit.jsonl"));
  }

  @Test
  void theJoinTokenIsNeverPrinted() throws Exception {
    AgentSettings s = parse(BASE.replace("token-1", "s3cr3t-join-token"));

    assertThat(s.toString()).doesNotContain("s3cr3t").contains("JoinToken[redacted]");
  }

  @Test
  void theShippedMinimalConfigurationIsValid() throws Exception {
    AgentSettings s = AgentSettings.load(Path.of("../conf/agent/agent.yaml"));

    assertThat(s.trustDomain().name()).isEqualTo("example.org");
    assertThat(s.dataDir()).isEqualTo(Path.of("/var/lib/synid/agent"));
    assertThat(s.serverAddress()).isEqualTo("127.0.0.1");
    assertThat(s.serverPort()).isEqualTo(8081);
    assertThat(s.bootstrapBundle().path()).isEqualTo(Path.of("/etc/synid/bootstrap-bundle.pem"));
    assertThat(s.nodeAttestation()).isInstanceOf(NodeAttestation.JoinToken.class);
    assertThat(s.workloadAttestors()).containsOnlyKeys("unix");
  }

  @Test
  void theShippedFullConfigurationIsValidAndStatesTheDefaults() throws Exception {
    AgentSettings full = AgentSettings.load(Path.of("../conf/agent/agent-full.yaml"));
    AgentSettings minimal = AgentSettings.load(Path.of("../conf/agent/agent.yaml"));

    assertThat(full.workloadAttestors())
        .isEqualTo(Map.of("unix", Map.of("discover_workload_path", false)));
    assertThat(full.bootstrapBundle()).isEqualTo(minimal.bootstrapBundle());
    assertThat(new AgentSettings(full.trustDomain(), full.dataDir(), full.serverAddress(),
        full.serverPort(), full.bootstrapBundle(), full.nodeAttestation(),
        minimal.workloadAttestors(), full.workloadApiSocket(), full.syncInterval(),
        full.audit(), full.handshake()))
        .as("the full file spells out the defaults the minimal one takes")
        .isEqualTo(minimal);
  }

  @Test
  void loadNamesTheFileInTheMessage(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("agent.yaml");
    Files.writeString(file, "trustDomain: example.org\n");

    assertThatThrownBy(() -> AgentSettings.load(file))
        .isInstanceOf(InvalidAgentConfigException.class)
        .hasMessageStartingWith(file + ": dataDir is required; ");
  }

  /**
   * Random byte and line mutations of the shipped full configuration: whatever the damage, the
   * result is settings or an {@link InvalidAgentConfigException} with at least one problem, never
   * another exception.
   */
  @ParameterizedTest
  @ValueSource(longs = {1L, 2L, 3L, 0x5EEDL, 20260101L})
  void randomMutationsNeverThrowAnythingElse(long seed) throws Exception {
    byte[] original = Files.readAllBytes(Path.of("../conf/agent/agent-full.yaml"));
    Random random = new Random(seed);
    for (int round = 0; round < 400; round++) {
      byte[] mutated = original;
      int mutations = 1 + random.nextInt(4);
      for (int m = 0; m < mutations; m++) {
        mutated = random.nextBoolean() ? mutateBytes(mutated, random) : mutateLines(mutated, random);
      }
      String text = random.nextInt(4) == 0 ? new String(mutated, StandardCharsets.ISO_8859_1)
          : new String(mutated, StandardCharsets.UTF_8);
      try {
        AgentSettings.parse("fuzz.yaml", text);
      } catch (InvalidAgentConfigException e) {
        assertThat(e.problems()).as("seed %d round %d", seed, round).isNotEmpty()
            .allSatisfy(p -> assertThat(p).isNotBlank());
      } catch (Throwable t) {
        throw new AssertionError("seed " + seed + " round " + round + " threw " + t
            + " for input:\n" + text, t);
      }
    }
  }

  private static final byte[] INTERESTING = ":{}[]-#&*!|>'\"%@`,? \t\n\r\0\\~".getBytes(
      StandardCharsets.ISO_8859_1);

  private static byte[] mutateBytes(byte[] in, Random random) {
    if (in.length == 0) {
      return new byte[] {(byte) random.nextInt(256)};
    }
    int at = random.nextInt(in.length);
    byte b = random.nextBoolean() ? INTERESTING[random.nextInt(INTERESTING.length)]
        : (byte) random.nextInt(256);
    switch (random.nextInt(3)) {
      case 0 -> {
        byte[] out = in.clone();
        out[at] = b;
        return out;
      }
      case 1 -> {
        byte[] out = new byte[in.length + 1];
        System.arraycopy(in, 0, out, 0, at);
        out[at] = b;
        System.arraycopy(in, at, out, at + 1, in.length - at);
        return out;
      }
      default -> {
        byte[] out = new byte[in.length - 1];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(in, at + 1, out, at, in.length - at - 1);
        return out;
      }
    }
  }

  private static final String[] JUNK_LINES = {"foo: bar", "  - x", "server: 7", "port: 70000",
      "  port: 99999999999999", "trustDomain: ~", "syncInterval: 9999999999h", "? complex",
      "&a x: *a", "nodeAttestor: {x509pop: {}}", "--- ", "...", "workloadAttestors: []",
      "  url: http://x", "dataDir: \"\\0\"", "!!binary aGVsbG8=", "key: !!int notanint",
      "audit: {path: relative}", "%YAML 1.1"};

  private static byte[] mutateLines(byte[] in, Random random) {
    List<String> lines = new ArrayList<>(List.of(new String(in, StandardCharsets.ISO_8859_1)
        .split("\n", -1)));
    int at = random.nextInt(lines.size());
    switch (random.nextInt(6)) {
      case 0 -> lines.remove(at);
      case 1 -> lines.add(at, lines.get(random.nextInt(lines.size())));
      case 2 -> {
        int other = random.nextInt(lines.size());
        String line = lines.get(at);
        lines.set(at, lines.get(other));
        lines.set(other, line);
      }
      case 3 -> lines.set(at, "  " + lines.get(at));
      case 4 -> lines.set(at, lines.get(at).stripLeading());
      default -> lines.add(at, JUNK_LINES[random.nextInt(JUNK_LINES.length)]);
    }
    return String.join("\n", lines).getBytes(StandardCharsets.ISO_8859_1);
  }
}
