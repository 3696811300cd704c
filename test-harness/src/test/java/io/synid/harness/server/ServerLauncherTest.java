package io.synid.harness.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server as an operator runs it: {@code bin/synid-server run -config}, health checks
 * and Prometheus metrics on the admin port, JSON logs, {@code validate} naming wrong fields, the
 * CLI against it, and a clean stop on SIGTERM.
 */
class ServerLauncherTest {
  @TempDir Path tmp;

  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  static final Path LAUNCHER = ROOT.resolve("bin/synid-server");

  record Result(int exit, String output) {}

  static Result run(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(LAUNCHER.toString());
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void validateNamesEveryWrongField() throws Exception {
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, "trustDomain: Bad.Domain\ndataDir: /tmp/x\nca:\n  keyType: ec-p999\n");
    Result r = run(List.of("validate", "-config", bad.toString()));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.output()).contains("ca.keyType must be one of ec-p256, ec-p384, rsa-2048",
        "trustDomain is not a valid SPIFFE trust domain name");
    Path good = tmp.resolve("good.yaml");
    Files.writeString(good, "trustDomain: example.org\ndataDir: " + tmp.resolve("data") + "\n");
    Result ok = run(List.of("validate", "-config", good.toString()));
    assertThat(ok.exit()).as(ok.output()).isZero();
    assertThat(ok.output()).contains("Configuration is valid.");
  }

  @Test
  void runsWithHealthChecksPrometheusMetricsJsonLogsAndStopsOnSigterm() throws Exception {
    int port = freePort();
    Path socket = tmp.resolve("admin").resolve("api.sock");
    Path log = tmp.resolve("server.log");
    Path config = tmp.resolve("server.yaml");
    Files.writeString(config, String.join("\n",
        "trustDomain: example.org",
        "dataDir: " + tmp.resolve("data"),
        "adminSocketPath: " + socket,
        "agentApi: {bindAddress: 127.0.0.1, port: 0}",
        "server:",
        "  type: simple",
        "  applicationContextPath: /application",
        "  adminContextPath: /",
        "  connector: {type: http, bindHost: 127.0.0.1, port: " + port + "}",
        "logging:",
        "  level: INFO",
        "  appenders: [{type: console, layout: {type: json}}]",
        ""));
    Process server = new ProcessBuilder(LAUNCHER.toString(), "run", "-config", config.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpResponse<String> health = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (System.nanoTime() < deadline) {
        assertThat(server.isAlive()).as("server exited: %s", Files.readString(log)).isTrue();
        try {
          health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthcheck")).build(),
              HttpResponse.BodyHandlers.ofString());
          if (health.statusCode() == 200) {
            break;
          }
        } catch (IOException notYet) {
          // not listening yet
        }
        Thread.sleep(300);
      }
      assertThat(health).isNotNull();
      assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
      var checks = new ObjectMapper().readTree(health.body());
      for (String check : List.of("datastore", "ca", "admin-api")) {
        assertThat(checks.get(check).get("healthy").asBoolean()).as(check).isTrue();
      }

      Result cli = run(List.of("entry", "create", "-parentID", "spiffe://example.org/node", "-spiffeID",
          "spiffe://example.org/w", "-selector", "unix:uid:1", "-socketPath", socket.toString()));
      assertThat(cli.exit()).as(cli.output()).isZero();
      assertThat(run(List.of("healthcheck", "-socketPath", socket.toString())).output()).contains("Server is healthy.");

      String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics/prometheus")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains("# TYPE jvm_memory_heap_used gauge");

      // Logs: one JSON object per line.
      ObjectMapper json = new ObjectMapper();
      List<String> lines = Files.readAllLines(log).stream().filter(l -> l.startsWith("{")).toList();
      assertThat(lines).isNotEmpty();
      for (String line : lines) {
        assertThat(json.readTree(line).has("message")).as(line).isTrue();
      }
      assertThat(String.join("\n", lines)).contains("admin API listening on " + socket);
    } finally {
      server.destroy(); // SIGTERM
      assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(Files.exists(socket)).as("socket removed on a clean stop").isFalse();
    assertThat(Files.readString(tmp.resolve("data").resolve("audit.jsonl"))).contains("\"method\":\"BatchCreateEntry\"");
  }
}
