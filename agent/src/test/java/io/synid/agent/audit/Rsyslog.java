package io.synid.agent.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's rsyslogd as a child process: imtcp on a loopback port, every message written by
 * omfile as one JSON object of the fields rsyslog parsed (RFC 5424: PRI, version, timestamp,
 * hostname, app-name, procid, msgid, structured data, msg).
 */
final class Rsyslog implements AutoCloseable {
  static final Path RSYSLOGD = Path.of("/usr/sbin/rsyslogd");
  private static final String TEMPLATE = "{\\\"pri\\\":\\\"%PRI%\\\","
      + "\\\"ver\\\":\\\"%PROTOCOL-VERSION%\\\","
      + "\\\"ts\\\":\\\"%TIMESTAMP:::date-rfc3339,json%\\\","
      + "\\\"host\\\":\\\"%HOSTNAME:::json%\\\","
      + "\\\"app\\\":\\\"%APP-NAME:::json%\\\","
      + "\\\"procid\\\":\\\"%PROCID:::json%\\\","
      + "\\\"msgid\\\":\\\"%MSGID:::json%\\\","
      + "\\\"sd\\\":\\\"%STRUCTURED-DATA:::json%\\\","
      + "\\\"msg\\\":\\\"%msg:::json%\\\"}\\n";

  private final Path dir;
  final int port;
  final Path output;
  private Process process;

  private Rsyslog(Path dir, int port) {
    this.dir = dir;
    this.port = port;
    this.output = dir.resolve("messages.jsonl");
  }

  static boolean available() {
    return Files.isExecutable(RSYSLOGD);
  }

  /** Starts rsyslogd on a free port. */
  static Rsyslog start(Path dir) throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Rsyslog r = new Rsyslog(dir, port);
    r.start();
    return r;
  }

  /** (Re)starts rsyslogd on the same port, appending to the same output. */
  void start() throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("work"));
    Path conf = dir.resolve("rsyslog.conf");
    Files.writeString(conf, String.join("\n",
        "global(workDirectory=\"" + dir.resolve("work") + "\" maxMessageSize=\"64k\")",
        "module(load=\"imtcp\")",
        "template(name=\"fields\" type=\"string\" string=\"" + TEMPLATE + "\")",
        "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + port + "\" ruleset=\"audit\")",
        "ruleset(name=\"audit\") {",
        "  action(type=\"omfile\" file=\"" + output + "\" template=\"fields\")",
        "}", ""));
    Path pid = dir.resolve("rsyslogd.pid");
    Files.deleteIfExists(pid);
    process = new ProcessBuilder(RSYSLOGD.toString(), "-n", "-f", conf.toString(), "-i",
        pid.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("rsyslogd.log").toFile()))
        .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new IOException("rsyslogd did not start: "
              + Files.readString(dir.resolve("rsyslogd.log")), e);
        }
        Thread.sleep(50);
      }
    }
  }

  /** Stops rsyslogd gracefully (SIGTERM: it writes what it received). */
  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      process.waitFor();
    }
  }

  /** Kills rsyslogd (SIGKILL: what it received but did not write is lost). */
  void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      process.waitFor();
    }
  }

  /** CPU time rsyslogd used so far. */
  Duration cpu() {
    return process == null ? Duration.ZERO
        : process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
  }

  /** Every message rsyslog wrote, as parsed fields. */
  List<JsonNode> messages() {
    List<JsonNode> out = new ArrayList<>();
    if (!Files.exists(output)) {
      return out;
    }
    try {
      String text = Files.readString(output, StandardCharsets.UTF_8);
      // Only complete lines: rsyslog may be in the middle of writing the last one.
      for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
        if (!line.isEmpty()) {
          out.add(AuditFiles.JSON.readTree(line));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
