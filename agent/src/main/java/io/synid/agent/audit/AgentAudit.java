package io.synid.agent.audit;

import io.grpc.ManagedChannel;
import io.synid.agent.config.AgentSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/** Builds the agent's {@link AuditPipeline} from its configuration. */
public final class AgentAudit {
  /** The spool directory under the agent's data directory. */
  public static final String SPOOL_DIR = "audit-spool";

  private AgentAudit() {}

  /**
   * Opens the pipeline: spool in {@code <dataDir>/audit-spool}, the JSON Lines file, syslog if
   * configured, and the server if {@code forwardToServer}.
   *
   * @param node the agent's SPIFFE ID, null before attestation
   * @param serverChannel the agent's mTLS channel to the server, null before attestation
   */
  public static AuditPipeline start(AgentSettings.Audit settings, Path dataDir,
      Supplier<String> node, Supplier<ManagedChannel> serverChannel, Clock clock)
      throws IOException {
    AuditPipeline.Builder b = AuditPipeline.builder(dataDir.resolve(SPOOL_DIR))
        .spoolMaxBytes(settings.spoolMaxBytes())
        .syncInterval(settings.spoolSyncInterval())
        .node(node)
        .clock(clock)
        .output(new JsonLinesFileOutput(settings.path(), settings.maxFileBytes(),
            settings.maxFiles()));
    AgentSettings.Syslog syslog = settings.syslog();
    if (syslog != null) {
      b.output(new SyslogOutput(syslog.address(), syslog.port(), syslog.facility(),
          syslog.maxMessageBytes(), hostname(), ProcessHandle.current().pid(),
          Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(1)));
    }
    if (settings.forwardToServer()) {
      b.output(new ServerOutput(new GrpcAuditForwarder(serverChannel, Duration.ofSeconds(30))));
    }
    return b.open();
  }

  /** This machine's host name, as the kernel knows it. */
  static String hostname() {
    try {
      String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      if (!name.isEmpty()) {
        return name;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "-";
    }
  }
}
