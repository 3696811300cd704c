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
    Path auditPath,
    java.util.Optional<io.synid.agent.handshake.HandshakeSettings> handshake) {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

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
    Path audit = c.audit == null || c.audit.path == null ? null
        : path("audit.path", c.audit.path, problems);
    java.util.Optional<io.synid.agent.handshake.HandshakeSettings> handshake =
        handshake(c.handshake, problems);
    if (!problems.isEmpty()) {
      throw new InvalidAgentConfigException(source, problems);
    }
    if (audit == null) {
      audit = dataDir.resolve("audit.jsonl");
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
