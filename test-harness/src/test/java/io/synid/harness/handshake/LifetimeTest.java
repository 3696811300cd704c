package io.synid.harness.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.synid.handshake.HandshakeDatapath;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What enforcement does when the loader process is killed with SIGKILL: fail-closed keeps
 * refusing (pinned programs and maps), fail-open stops (the process's links die with it).
 */
@Timeout(120)
class LifetimeTest {

  private static final int PORT = 8080;
  private final InetAddress loopback = TwoNodes.address("127.0.0.1");
  private String netns;
  private TestCgroups cgroups;
  private Path node;
  private Path server;
  private NodeThread serverThread;
  private NodeThread clientThread;
  private SinkServer sink;
  private Path bpffs;
  private Process loader;

  @BeforeEach
  void start() throws Exception {
    Path mount = KernelPrerequisites.check();
    String tag = "synidlt" + ProcessHandle.current().pid();
    netns = tag;
    cgroups = new TestCgroups(mount, tag);
    node = cgroups.threaded("node");
    server = cgroups.threaded("node/server");
    Path plain = cgroups.threaded("node/plain");
    cgroups.enter();
    Commands.run("ip", "netns", "add", netns);
    Commands.run("ip", "-n", netns, "link", "set", "lo", "up");
    serverThread = new NodeThread("lt-server", Path.of("/run/netns", netns), Optional.of(server), cgroups);
    clientThread = new NodeThread("lt-client", Path.of("/run/netns", netns), Optional.of(plain), cgroups);
    sink = SinkServer.listen(serverThread, loopback, PORT);
    bpffs = Files.createTempDirectory("synid-bpffs");
    Commands.run("mount", "-t", "bpf", "bpf", bpffs.toString());
  }

  @AfterEach
  void stop() throws Exception {
    if (loader != null) {
      loader.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (bpffs != null) {
      HandshakeDatapath.removePinned(bpffs.resolve("synid"));
      Commands.run(false, "umount", bpffs.toString());
      Files.deleteIfExists(bpffs);
    }
    if (sink != null) {
      sink.close();
    }
    for (NodeThread t : new NodeThread[] {serverThread, clientThread}) {
      if (t != null) {
        t.close();
      }
    }
    Commands.run(false, "ip", "netns", "del", netns);
    if (cgroups != null) {
      cgroups.close();
    }
  }

  @Test
  void failClosedKeepsEnforcingAfterTheLoaderIsKilled() throws Exception {
    assertThat(connects()).as("before any loader").isTrue();
    startLoader("fail-closed");
    assertThat(connects()).as("unauthenticated client while the loader runs").isFalse();

    kill();
    assertThat(connects()).as("unauthenticated client after the loader was killed").isFalse();
    assertThat(bpffs.resolve("synid/link_synid_ingress")).exists();

    HandshakeDatapath.removePinned(bpffs.resolve("synid"));
    await().atMost(Duration.ofSeconds(10)).until(this::connects);
  }

  @Test
  void failOpenStopsEnforcingWhenTheLoaderIsKilled() throws Exception {
    startLoader("fail-open");
    assertThat(connects()).as("unauthenticated client while the loader runs").isFalse();

    kill();
    await().atMost(Duration.ofSeconds(10)).until(this::connects);
    assertThat(bpffs.resolve("synid")).doesNotExist();
  }

  private boolean connects() throws Exception {
    Client.Attempt c = Client.connect(clientThread, loopback, PORT, 1_500);
    if (c.socket() != null) {
      c.socket().close();
    }
    return c.connected();
  }

  private void startLoader(String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    loader = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        LoaderProcess.class.getName(), mode, node.toString(), bpffs.resolve("synid").toString(), server.toString()))
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(loader.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (String line; System.nanoTime() < deadline && (line = out.readLine()) != null; ) {
      if (line.equals("ready")) {
        return;
      }
      seen.append(line).append('\n');
    }
    throw new AssertionError("loader process did not get ready:\n" + seen);
  }

  private void kill() throws InterruptedException {
    loader.destroyForcibly();
    assertThat(loader.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }
}
