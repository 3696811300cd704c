package io.synid.agent.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.TrustDomain;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A validated agent configuration: every value checked and converted, every problem of a file
 * reported at once (with the line and field for syntax and unknown-key errors).
 */
public record AgentSettings(
    TrustDomain trustDomain,
    Path dataDir,
    String serverAddress,
    int serverPort,
    BootstrapBundle bootstrapBundle,
    NodeAttestation nodeAttestation,
    Map<String, Map<String, Object>> workloadAttestors,
    Path workloadApiSocket,
    Duration syncInterval,
    Audit audit) {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(|B|KiB|MiB|GiB)");

  /**
   * The audit pipeline.
   *
   * @param path the JSON Lines file
   * @param syslog null when syslog is off
   */
  public record Audit(Path path, long maxFileBytes, int maxFiles, Syslog syslog,
      boolean forwardToServer, long spoolMaxBytes, Duration spoolSyncInterval) {}

  /** A syslog receiver over TCP. */
  public record Syslog(String address, int port, int facility, int maxMessageBytes) {}

  /** The JSON Lines audit file. */
  public Path auditPath() {
    return audit.path();
  }

  /** Where the bootstrap bundle comes from. */
  public record BootstrapBundle(Path path, URI url, boolean spiffeFormat) {}

  /** The configured node attestation method. */
  public sealed interface NodeAttestation {
    /** {@code join_token}. */
    record JoinToken(String token) implements NodeAttestation {
      @Override
      public String toString() {
        return "JoinToken[redacted]";
      }
    }

    /** {@code x509pop}. */
    record X509Pop(Path certificate, Path privateKey, Path intermediates) implements NodeAttestation {}
  }

  /**
   * Reads and validates a YAML configuration file.
   *
   * @throws InvalidAgentConfigException listing every problem, each naming the field
   * @throws IOException if the file cannot be read
   */
  public static AgentSettings load(Path file) throws IOException, InvalidAgentConfigException {
    return parse(file.toString(), Files.readString(file));
  }

  /**
   * Parses and validates configuration text.
   *
   * @param source names the text in error messages (usually the file path)
   */
  public static AgentSettings parse(String source, String yaml) throws InvalidAgentConfigException {
    ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    AgentConfig config;
    try {
      config = mapper.readValue(yaml, AgentConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw new InvalidAgentConfigException(source, List.of(location(e) + "unknown field \""
          + path(e) + "\" (known here: " + e.getKnownPropertyIds().stream().map(String::valueOf)
          .sorted().collect(Collectors.joining(", ")) + ")"));
    } catch (JsonMappingException e) {
      throw new InvalidAgentConfigException(source, List.of(location(e) + "field \"" + path(e)
          + "\": " + e.getOriginalMessage()));
    } catch (JsonProcessingException e) {
      throw new InvalidAgentConfigException(source, List.of(location(e) + e.getOriginalMessage()));
    }
    if (config == null) {
      throw new InvalidAgentConfigException(source, List.of("the configuration is empty"));
    }
    return validate(source, config);
  }

  private static AgentSettings validate(String source, AgentConfig c)
      throws InvalidAgentConfigException {
    List<String> problems = new ArrayList<>();
    TrustDomain td = null;
    if (c.trustDomain == null || c.trustDomain.isBlank()) {
      problems.add("trustDomain is required");
    } else {
      try {
        td = TrustDomain.parse(c.trustDomain);
      } catch (InvalidSpiffeIdException e) {
        problems.add("trustDomain \"" + c.trustDomain + "\" is invalid: " + e.getMessage());
      }
    }
    if (c.dataDir == null || c.dataDir.isBlank()) {
      problems.add("dataDir is required");
    }
    if (c.server == null || c.server.address == null || c.server.address.isBlank()) {
      problems.add("server.address is required");
    }
    if (c.server != null && (c.server.port < 1 || c.server.port > 65535)) {
      problems.add("server.port must be between 1 and 65535, not " + c.server.port);
    }
    BootstrapBundle bundle = bootstrapBundle(c.trustBundle, problems);
    NodeAttestation attestation = nodeAttestation(c.nodeAttestor, problems);
    if (c.workloadAttestors == null || c.workloadAttestors.isEmpty()) {
      problems.add("workloadAttestors: at least one workload attestor is required");
    }
    if (c.workloadApi == null || c.workloadApi.socketPath == null
        || !c.workloadApi.socketPath.startsWith("/")) {
      problems.add("workloadApi.socketPath must be an absolute path");
    }
    Duration sync = null;
    try {
      sync = duration(c.syncInterval);
      if (sync.isZero()) {
        problems.add("syncInterval must be positive");
      }
    } catch (IllegalArgumentException e) {
      problems.add("syncInterval: " + e.getMessage());
    }
    Path dataDir = c.dataDir == null || c.dataDir.isBlank() ? null : Path.of(c.dataDir);
    Audit audit = audit(c.audit, dataDir, problems);
    if (!problems.isEmpty()) {
      throw new InvalidAgentConfigException(source, problems);
    }
    Map<String, Map<String, Object>> attestors = new java.util.LinkedHashMap<>();
    c.workloadAttestors.forEach((k, v) -> attestors.put(k, v == null ? Map.of() : v));
    return new AgentSettings(td, dataDir, c.server.address, c.server.port, bundle, attestation,
        attestors, Path.of(c.workloadApi.socketPath), sync, audit);
  }

  private static Audit audit(AgentConfig.AuditConfig a, Path dataDir, List<String> problems) {
    if (a == null) {
      a = new AgentConfig.AuditConfig();
    }
    Path path = null;
    if (a.path != null && a.path.isBlank()) {
      problems.add("audit.path is empty (leave it out for <dataDir>/audit.jsonl)");
    } else if (a.path != null) {
      path = Path.of(a.path);
    } else if (dataDir != null) {
      path = dataDir.resolve("audit.jsonl");
    }
    long maxFileBytes = size("audit.maxFileBytes", a.maxFileBytes, 64L << 10, problems);
    if (a.maxFiles < 1 || a.maxFiles > 1000) {
      problems.add("audit.maxFiles must be between 1 and 1000, not " + a.maxFiles);
    }
    long spoolMax = size("audit.spoolMaxBytes", a.spoolMaxBytes, 4L << 20, problems);
    Duration sync = null;
    try {
      sync = duration(a.spoolSyncInterval);
      if (sync.isZero() || sync.compareTo(Duration.ofSeconds(10)) > 0) {
        problems.add("audit.spoolSyncInterval must be between 1ms and 10s, not "
            + a.spoolSyncInterval);
      }
    } catch (IllegalArgumentException e) {
      problems.add("audit.spoolSyncInterval: " + e.getMessage());
    }
    Syslog syslog = null;
    if (a.syslog != null) {
      AgentConfig.SyslogConfig s = a.syslog;
      boolean ok = true;
      if (s.address == null || s.address.isBlank()) {
        problems.add("audit.syslog.address is required (the syslog server's host name or IP)");
        ok = false;
      }
      if (s.port < 1 || s.port > 65535) {
        problems.add("audit.syslog.port must be between 1 and 65535, not " + s.port);
        ok = false;
      }
      int facility = -1;
      try {
        facility = io.synid.agent.audit.SyslogOutput.facility(s.facility);
      } catch (IllegalArgumentException e) {
        problems.add("audit.syslog.facility: " + e.getMessage());
        ok = false;
      }
      long max = size("audit.syslog.maxMessageBytes", s.maxMessageBytes, 1024, problems);
      if (max > (1L << 20)) {
        problems.add("audit.syslog.maxMessageBytes must be at most 1MiB, not " + s.maxMessageBytes);
        ok = false;
      }
      if (ok && max > 0) {
        syslog = new Syslog(s.address.trim(), s.port, facility, (int) max);
      }
    }
    return new Audit(path, maxFileBytes, a.maxFiles, syslog, a.forwardToServer, spoolMax, sync);
  }

  /**
   * Parses a byte size ({@code 1048576}, {@code 64KiB}, {@code 100MiB}, {@code 1GiB}); adds a
   * problem naming {@code field} and returns -1 if it is not one or is below {@code min}.
   */
  static long size(String field, String text, long min, List<String> problems) {
    Matcher m = text == null ? null : SIZE.matcher(text.trim());
    if (m == null || !m.matches()) {
      problems.add(field + ": \"" + text + "\" is not a size (a whole number of bytes,"
          + " optionally followed by KiB, MiB or GiB, e.g. 100MiB)");
      return -1;
    }
    long n = Long.parseLong(m.group(1));
    int shift = switch (m.group(2)) {
      case "KiB" -> 10;
      case "MiB" -> 20;
      case "GiB" -> 30;
      default -> 0;
    };
    if (n > (Long.MAX_VALUE >> 30)) {
      problems.add(field + ": " + text + " is too large");
      return -1;
    }
    long bytes = n << shift;
    if (bytes < min) {
      problems.add(field + " must be at least " + human(min) + ", not " + text.trim());
      return -1;
    }
    return bytes;
  }

  private static String human(long bytes) {
    if (bytes % (1L << 20) == 0) {
      return (bytes >> 20) + "MiB";
    }
    if (bytes % 1024 == 0) {
      return (bytes >> 10) + "KiB";
    }
    return Long.toString(bytes);
  }

  private static BootstrapBundle bootstrapBundle(AgentConfig.TrustBundleConfig b,
      List<String> problems) {
    if (b == null || (b.path == null) == (b.url == null)) {
      problems.add("trustBundle: exactly one of path and url is required");
      return null;
    }
    boolean spiffe;
    if ("pem".equals(b.format)) {
      spiffe = false;
    } else if ("spiffe".equals(b.format)) {
      spiffe = true;
    } else {
      problems.add("trustBundle.format must be pem or spiffe, not \"" + b.format + "\"");
      return null;
    }
    if (b.url != null) {
      URI uri;
      try {
        uri = URI.create(b.url);
      } catch (IllegalArgumentException e) {
        problems.add("trustBundle.url is not a URL: " + e.getMessage());
        return null;
      }
      if (!"https".equals(uri.getScheme())) {
        problems.add("trustBundle.url must be an https URL");
        return null;
      }
      return new BootstrapBundle(null, uri, spiffe);
    }
    return new BootstrapBundle(Path.of(b.path), null, spiffe);
  }

  private static NodeAttestation nodeAttestation(AgentConfig.NodeAttestorConfig n,
      List<String> problems) {
    if (n == null || (n.joinToken == null) == (n.x509pop == null)) {
      problems.add("nodeAttestor: exactly one of joinToken and x509pop is required");
      return null;
    }
    if (n.joinToken != null) {
      if (n.joinToken.isBlank()) {
        problems.add("nodeAttestor.joinToken is empty");
        return null;
      }
      return new NodeAttestation.JoinToken(n.joinToken);
    }
    AgentConfig.X509PopConfig x = n.x509pop;
    if (x.certificatePath == null || x.privateKeyPath == null) {
      problems.add("nodeAttestor.x509pop: certificatePath and privateKeyPath are required");
      return null;
    }
    return new NodeAttestation.X509Pop(Path.of(x.certificatePath), Path.of(x.privateKeyPath),
        x.intermediatesPath == null ? null : Path.of(x.intermediatesPath));
  }

  /**
   * Parses {@code 500ms}, {@code 5s}, {@code 1m} or {@code 2h}.
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static Duration duration(String text) {
    Matcher m = text == null ? null : DURATION.matcher(text.trim());
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException("\"" + text
          + "\" is not a duration (a whole number followed by ms, s, m or h, e.g. 5s)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  private static String location(JsonProcessingException e) {
    return e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ": ";
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName()
        : "[" + r.getIndex() + "]").collect(Collectors.joining(".")).replace(".[", "[");
  }
}
