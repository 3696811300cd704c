package io.synid.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.CreateJoinTokenRequest;
import io.synid.api.spire.server.bundle.v1.BundleGrpc;
import io.synid.api.spire.server.bundle.v1.GetBundleRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.server.entry.v1.GetEntryRequest;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.Selector;
import io.synid.server.datastore.DatastoreConfig;
import io.synid.server.datastore.TestDatastores;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Nothing acknowledged is lost: a server process is killed with SIGKILL in the middle of a burst
 * of writes, restarted on the same data, and must still have every entry and token it
 * acknowledged, the same CA and the same bundle.
 */
class DurabilityTest {
  @TempDir Path tmp;

  static List<DatastoreConfig.Kind> kinds() {
    return TestDatastores.kinds();
  }

  /** Runs a server in this JVM until killed. Arguments: data dir, datastore kind, JDBC URL. */
  public static final class ServerProcess {
    public static void main(String[] args) throws Exception {
      Path dir = Path.of(args[0]);
      DatastoreConfig.Kind kind = DatastoreConfig.Kind.valueOf(args[1]);
      var settings = TestServers.settings(dir, new DatastoreConfig(kind, args[2], "synid", "synid", 4));
      IdentityServer server = new IdentityServer(settings, java.time.Clock.systemUTC());
      server.start();
      System.out.println("READY");
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  private Process startServer(Path dir, DatastoreConfig config) throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ServerProcess.class.getName(),
        dir.toString(), config.kind().name(), config.connection())
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while ((line = out.readLine()) != null) {
      if (line.equals("READY")) {
        // Keep draining so the child never blocks on a full pipe.
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
        drain.setDaemon(true);
        drain.start();
        return p;
      }
      if (System.nanoTime() > deadline) {
        break;
      }
    }
    p.destroyForcibly();
    throw new AssertionError("server process did not start");
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void killDashNineDuringAWriteBurstLosesNothingAcknowledged(DatastoreConfig.Kind kind) throws Exception {
    DatastoreConfig config = TestDatastores.config(kind, tmp);
    Path socket = tmp.resolve("sock").resolve("api.sock");
    Process server = startServer(tmp, config);
    List<String> acknowledgedEntries = java.util.Collections.synchronizedList(new ArrayList<>());
    List<String> acknowledgedTokens = java.util.Collections.synchronizedList(new ArrayList<>());
    byte[] bundleBefore;
    ManagedChannel channel = TestServers.channel(socket);
    try {
      bundleBefore = BundleGrpc.newBlockingStub(channel).getBundle(GetBundleRequest.getDefaultInstance()).toByteArray();
      AtomicBoolean stop = new AtomicBoolean();
      Thread writer = new Thread(() -> {
        var entries = EntryGrpc.newBlockingStub(channel);
        var agents = AgentGrpc.newBlockingStub(channel);
        for (int i = 0; i < 100_000 && !stop.get(); i++) {
          try {
            var result = entries.batchCreateEntry(BatchCreateEntryRequest.newBuilder().addEntries(Entry.newBuilder()
                .setSpiffeId(SPIFFEID.newBuilder().setTrustDomain("example.org").setPath("/w" + i))
                .setParentId(SPIFFEID.newBuilder().setTrustDomain("example.org").setPath("/node"))
                .addSelectors(Selector.newBuilder().setType("unix").setValue("uid:" + i))).build());
            if (result.getResults(0).getStatus().getCode() == 0) {
              acknowledgedEntries.add(result.getResults(0).getEntry().getId());
            }
            if (i % 10 == 0) {
              acknowledgedTokens.add(agents.createJoinToken(CreateJoinTokenRequest.newBuilder().setTtl(3600).build()).getValue());
            }
          } catch (RuntimeException e) {
            return; // the server died: everything acknowledged so far must survive
          }
        }
      });
      writer.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (acknowledgedEntries.size() < 200 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      server.destroyForcibly(); // SIGKILL
      server.waitFor(30, TimeUnit.SECONDS);
      stop.set(true);
      writer.join(30_000);
    } finally {
      channel.shutdownNow();
    }
    assertThat(acknowledgedEntries).hasSizeGreaterThanOrEqualTo(200);

    Process restarted = startServer(tmp, config);
    ManagedChannel again = TestServers.channel(socket);
    try {
      var entries = EntryGrpc.newBlockingStub(again);
      for (String id : acknowledgedEntries) {
        assertThat(entries.getEntry(GetEntryRequest.newBuilder().setId(id).build()).getId()).isEqualTo(id);
      }
      byte[] bundleAfter = BundleGrpc.newBlockingStub(again).getBundle(GetBundleRequest.getDefaultInstance()).toByteArray();
      assertThat(bundleAfter).isEqualTo(bundleBefore);
    } finally {
      again.shutdownNow();
      restarted.destroyForcibly();
      restarted.waitFor(30, TimeUnit.SECONDS);
    }
    // Tokens: reopen the datastore directly now that no server holds it.
    try (var ds = io.synid.server.datastore.Datastore.open(config, java.time.Clock.systemUTC())) {
      for (String token : acknowledgedTokens) {
        assertThat(ds.joinTokens().exists(token)).as("token %s", token).isTrue();
      }
    }
    assertThat(Files.exists(tmp.resolve("ca").resolve("journal.json"))).isTrue();
  }
}
