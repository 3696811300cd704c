package io.synid.server.cli;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.synid.api.spire.types.Bundle;
import io.synid.api.spire.types.X509Certificate;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs CLI command lines against fake admin services on an in-process gRPC server, capturing
 * stdout and stderr. Each command opens its own channel, as it would open the Unix socket.
 */
public final class CliHarness implements AutoCloseable {
  /** The fixed "now" of the harness clock. */
  public static final Instant NOW = Instant.parse("2024-01-01T00:00:00Z");

  public final FakeEntryService entries = new FakeEntryService();
  public final FakeBundleService bundles = new FakeBundleService();
  public final FakeAgentService agents = new FakeAgentService();
  public final FakeSvidService svids = new FakeSvidService();
  public final FakeTrustDomainService trustDomains = new FakeTrustDomainService();
  public final HealthStatusManager health = new HealthStatusManager();

  /** Socket paths the commands asked to dial, in order. */
  public final List<Path> dialed = new ArrayList<>();
  /** Environment variables the commands see. */
  public final Map<String, String> variables = new HashMap<>();
  /** What the commands read from stdin. */
  public byte[] stdin = new byte[0];
  public Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

  private final String name = InProcessServerBuilder.generateName();
  private final Server server;

  public CliHarness() {
    try {
      bundles.own = Bundle.newBuilder()
          .setTrustDomain("example.org")
          .addX509Authorities(X509Certificate.newBuilder()
              .setAsn1(ByteString.copyFrom(svids.caCertificate.getEncoded())))
          .build();
      server = InProcessServerBuilder.forName(name)
          .directExecutor()
          .addService(entries)
          .addService(bundles)
          .addService(agents)
          .addService(svids)
          .addService(trustDomains)
          .addService(health.getHealthService())
          .build()
          .start();
    } catch (IOException | CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What a command line printed, and its exit status. */
  public record Result(int exit, String out, String err) {}

  public Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliEnvironment env = new CliEnvironment(
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        new ByteArrayInputStream(stdin),
        socket -> {
          dialed.add(socket);
          ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
          return AdminClient.overChannel(channel);
        },
        variables::get,
        clock);
    int exit = SynidServerCommand.commandLine(env).execute(args);
    return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
