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
    Path auditPath) {

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
    if (!problems.isEmpty()) {
      throw new InvalidAgentConfigException(source, problems);
    }
    Path dataDir = Path.of(c.dataDir);
    Path audit = c.audit == null || c.audit.path == null ? dataDir.resolve("audit.jsonl")
        : Path.of(c.audit.path);
    Map<String, Map<String, Object>> attestors = new java.util.LinkedHashMap<>();
    c.workloadAttestors.forEach((k, v) -> attestors.put(k, v == null ? Map.of() : v));
    return new AgentSettings(td, dataDir, c.server.address, c.server.port, bundle, attestation,
        attestors, Path.of(c.workloadApi.socketPath), sync, audit);
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
