package io.synid.agent.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.TrustDomain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.error.MarkedYAMLException;

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
    Audit audit,
    java.util.Optional<io.synid.agent.handshake.HandshakeSettings> handshake) {

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
    List<String> problems = new ArrayList<>();
    ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    AgentConfig config;
    try (KeyTrackingParser parser = new KeyTrackingParser(mapper.getFactory().createParser(yaml))) {
      // Unknown keys are collected (and skipped) rather than ending the parse at the first one.
      mapper.addHandler(new DeserializationProblemHandler() {
        @Override
        public boolean handleUnknownProperty(DeserializationContext context, JsonParser p,
            JsonDeserializer<?> deserializer, Object beanOrClass, String name) throws IOException {
          problems.add("line " + parser.keyLine + ": unknown field \"" + parser.keyPath
              + "\" (known here: " + deserializer.getKnownPropertyNames().stream()
              .map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")");
          p.skipChildren();
          return true;
        }
      });
      if (parser.nextToken() == null) {
        throw new InvalidAgentConfigException(source, List.of("the configuration is empty"));
      }
      config = mapper.readValue(parser, AgentConfig.class);
    } catch (JsonMappingException e) {
      String field = path(e);
      problems.add(location(e) + (field.isEmpty() ? "" : "field \"" + field + "\": ")
          + e.getOriginalMessage());
      throw new InvalidAgentConfigException(source, problems);
    } catch (JsonProcessingException e) {
      problems.add(location(e) + e.getOriginalMessage());
      throw new InvalidAgentConfigException(source, problems);
    } catch (IOException e) {
      throw new UncheckedIOException("reading configuration text from memory failed", e);
    }
    if (config == null) {
      throw new InvalidAgentConfigException(source, List.of("the configuration is empty"));
    }
    return validate(source, config, problems);
  }

  /** Remembers the line and path of the last key read, for unknown-key messages. */
  private static final class KeyTrackingParser extends JsonParserDelegate {
    int keyLine;
    String keyPath = "";

    KeyTrackingParser(JsonParser parser) {
      super(parser);
    }

    @Override
    public JsonToken nextToken() throws IOException {
      return noteKey(super.nextToken());
    }

    @Override
    public String nextFieldName() throws IOException {
      String name = super.nextFieldName();
      noteKey(currentToken());
      return name;
    }

    @Override
    public boolean nextFieldName(SerializableString name) throws IOException {
      boolean matched = super.nextFieldName(name);
      noteKey(currentToken());
      return matched;
    }

    private JsonToken noteKey(JsonToken token) {
      if (token == JsonToken.FIELD_NAME) {
        keyLine = currentTokenLocation().getLineNr();
        List<String> segments = new ArrayList<>();
        for (JsonStreamContext c = getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
          segments.add(0, c.inArray() ? "[" + c.getCurrentIndex() + "]" : c.getCurrentName());
        }
        keyPath = String.join(".", segments).replace(".[", "[");
      }
      return token;
    }
  }

  private static AgentSettings validate(String source, AgentConfig c, List<String> problems)
      throws InvalidAgentConfigException {
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
    Path dataDir = null;
    if (c.dataDir == null || c.dataDir.isBlank()) {
      problems.add("dataDir is required");
    } else {
      dataDir = path("dataDir", c.dataDir, problems);
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
    Path socket = null;
    if (c.workloadApi == null || c.workloadApi.socketPath == null
        || !c.workloadApi.socketPath.startsWith("/")) {
      problems.add("workloadApi.socketPath must be an absolute path");
    } else {
      socket = path("workloadApi.socketPath", c.workloadApi.socketPath, problems);
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
    Audit audit = audit(c.audit, dataDir, problems);
    java.util.Optional<io.synid.agent.handshake.HandshakeSettings> handshake =
        handshake(c.handshake, problems);
    if (!problems.isEmpty()) {
      throw new InvalidAgentConfigException(source, problems);
    }
    Map<String, Map<String, Object>> attestors = new java.util.LinkedHashMap<>();
    c.workloadAttestors.forEach((k, v) -> attestors.put(k, v == null ? Map.of() : v));
    return new AgentSettings(td, dataDir, c.server.address, c.server.port, bundle, attestation,
        attestors, socket, sync, audit, handshake);
  }

  private static java.util.Optional<io.synid.agent.handshake.HandshakeSettings> handshake(
      AgentConfig.HandshakeConfig h, List<String> problems) {
    if (h == null) {
      return java.util.Optional.empty();
    }
    int before = problems.size();
    Path cgroup = null;
    if (h.cgroup == null || !h.cgroup.startsWith("/")) {
      problems.add("handshake.cgroup must be an absolute path (a cgroup v2 directory)");
    } else {
      cgroup = path("handshake.cgroup", h.cgroup, problems);
    }
    if (h.addresses == null || h.addresses.isEmpty()) {
      problems.add("handshake.addresses: at least one address of this node is required");
    } else {
      for (int i = 0; i < h.addresses.size(); i++) {
        try {
          io.synid.policy.model.Cidr.parse(String.valueOf(h.addresses.get(i)));
        } catch (IllegalArgumentException e) {
          problems.add("handshake.addresses[" + i + "]: " + e.getMessage());
        }
      }
    }
    io.synid.handshake.Lifetime lifetime = null;
    if ("failClosed".equals(h.lifetime)) {
      lifetime = io.synid.handshake.Lifetime.FAIL_CLOSED;
    } else if ("failOpen".equals(h.lifetime)) {
      lifetime = io.synid.handshake.Lifetime.FAIL_OPEN;
    } else {
      problems.add("handshake.lifetime must be failClosed or failOpen, not \"" + h.lifetime + "\"");
    }
    Path pins = h.pinDirectory == null ? null : path("handshake.pinDirectory", h.pinDirectory, problems);
    if (pins == null && h.pinDirectory == null) {
      problems.add("handshake.pinDirectory is required");
    }
    long epochSeconds = 0;
    try {
      epochSeconds = duration(h.keyEpoch).toSeconds();
      if (epochSeconds < 60) {
        problems.add("handshake.keyEpoch must be at least 1m");
      }
    } catch (IllegalArgumentException e) {
      problems.add("handshake.keyEpoch: " + e.getMessage());
    }
    if (h.timestampWindowSeconds < 1 || h.timestampWindowSeconds > 3600) {
      problems.add("handshake.timestampWindowSeconds must be between 1 and 3600");
    }
    if (problems.size() > before) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new io.synid.agent.handshake.HandshakeSettings(cgroup,
        h.addresses, lifetime, pins, epochSeconds, h.timestampWindowSeconds,
        h.tcDevices == null ? List.of() : h.tcDevices));
  }

  /** {@code value} as a path, or null with a problem if the OS cannot name it (e.g. a NUL). */
  private static Path path(String field, String value, List<String> problems) {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      problems.add(field + " is not a valid path: " + e.getReason());
      return null;
    }
  }

  private static Audit audit(AgentConfig.AuditConfig a, Path dataDir, List<String> problems) {
    if (a == null) {
      a = new AgentConfig.AuditConfig();
    }
    Path path = null;
    if (a.path != null && a.path.isBlank()) {
      problems.add("audit.path is empty (leave it out for <dataDir>/audit.jsonl)");
    } else if (a.path != null) {
      path = path("audit.path", a.path, problems);
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
      if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
        problems.add("trustBundle.url must be an https URL");
        return null;
      }
      return new BootstrapBundle(null, uri, spiffe);
    }
    Path path = path("trustBundle.path", b.path, problems);
    return path == null ? null : new BootstrapBundle(path, null, spiffe);
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
    Path certificate = path("nodeAttestor.x509pop.certificatePath", x.certificatePath, problems);
    Path key = path("nodeAttestor.x509pop.privateKeyPath", x.privateKeyPath, problems);
    Path intermediates = x.intermediatesPath == null ? null
        : path("nodeAttestor.x509pop.intermediatesPath", x.intermediatesPath, problems);
    if (certificate == null || key == null || (x.intermediatesPath != null && intermediates == null)) {
      return null;
    }
    return new NodeAttestation.X509Pop(certificate, key, intermediates);
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
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
        // The YAML parser's own mark: where the problem is, not where the last good token was.
        return "line " + (yaml.getProblemMark().getLine() + 1) + ": ";
      }
    }
    return e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ": ";
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName()
        : "[" + r.getIndex() + "]").collect(Collectors.joining(".")).replace(".[", "[");
  }
}
