package io.synid.bench;

import io.synid.core.x509.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real spire-agent attached to one server under test with a join token, serving the Workload
 * API on a Unix socket with the {@code unix} workload attestor. Its configuration is the
 * interop template {@code interop/spire/conf/agent.conf.tmpl} (the one the interop tests use)
 * with the agent's sync interval set through {@code experimental { sync_interval }}, which
 * spire-agent v1.15.3 reads (cmd/spire-agent/cli/run/run.go; its default is 5 s).
 */
final class SpireAgentProcess implements AutoCloseable {
  /** The Workload API socket. */
  final Path socket;
  private final Process process;
  private final Path log;

  private SpireAgentProcess(Path socket, Process process, Path log) {
    this.socket = socket;
    this.process = process;
    this.log = log;
  }

  /**
   * Writes the configuration and the bootstrap bundle into {@code dir}, starts spire-agent and
   * waits until its Workload API socket exists (the agent has attested by then).
   *
   * @param syncInterval a Go duration, e.g. {@code 1s}
   */
  static SpireAgentProcess start(Path spireDir, Path template, Path dir, int serverPort,
      List<X509Certificate> bundle, String joinToken, String syncInterval) throws Exception {
    Files.createDirectories(dir);
    Path bundleFile = dir.resolve("bundle.pem");
    Files.writeString(bundleFile, Pem.encodeCertificates(bundle));
    Path socket = dir.resolve("workload.sock");
    if (socket.toString().length() > 100) {
      throw new IllegalArgumentException("Unix socket path too long: " + socket);
    }
    String trustDomainLine = "trust_domain = \"@TRUST_DOMAIN@\"";
    String text = Files.readString(template);
    if (!text.contains(trustDomainLine)) {
      throw new IllegalStateException(template + " no longer has the line " + trustDomainLine);
    }
    Path config = dir.resolve("agent.conf");
    Files.writeString(config, text
        .replace(trustDomainLine, trustDomainLine
            + "\n    experimental { sync_interval = \"" + syncInterval + "\" }")
        .replace("@TRUST_DOMAIN@", ServerProcess.TRUST_DOMAIN)
        .replace("@DATA_DIR@", dir.toString())
        .replace("@SERVER_PORT@", Integer.toString(serverPort))
        .replace("@SOCKET@", socket.toString())
        .replace("@TRUST_BUNDLE@", bundleFile.toString()));
    Path log = dir.resolve("agent.log");
    Process p = new ProcessBuilder(spireDir.resolve("spire-agent").toString(), "run", "-config",
        config.toString(), "-joinToken", joinToken)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    SpireAgentProcess agent = new SpireAgentProcess(socket, p, log);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(socket)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        agent.close();
        throw new IllegalStateException("spire-agent did not start; see " + log);
      }
      Thread.sleep(100);
    }
    return agent;
  }

  /** Fails with the log's location if the agent has exited. */
  void checkAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException("spire-agent exited with " + process.exitValue() + "; see " + log);
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
