package io.synid.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.protobuf.services.HealthStatusManager;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.server.admin.AgentService;
import io.synid.server.admin.BundleService;
import io.synid.server.admin.EntryService;
import io.synid.server.admin.FlowService;
import io.synid.server.admin.PolicyService;
import io.synid.server.admin.SvidService;
import io.synid.server.admin.TrustDomainService;
import io.synid.server.agentapi.AgentApiServer;
import io.synid.server.agentapi.AgentApiSettings;
import io.synid.server.audit.AuditInterceptor;
import io.synid.api.audit.AuditLog;
import io.synid.server.ca.CaSettings;
import io.synid.server.ca.CertificateAuthority;
import io.synid.server.datastore.Datastore;
import io.synid.server.datastore.DatastoreConfig;
import io.synid.server.entry.EntryValidator;
import io.synid.api.transport.UnixSocketServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The identity server's parts, wired: datastore, certificate authority, audit log, the admin
 * API on its Unix socket and the agent API on its TCP port. Dropwizard manages one of these in production; tests create them
 * directly.
 */
public final class IdentityServer implements AutoCloseable {
  /** Everything the server needs, resolved from configuration. */
  public record Settings(
      TrustDomain trustDomain,
      DatastoreConfig datastore,
      CaSettings ca,
      Duration defaultX509SvidTtl,
      Duration defaultJwtSvidTtl,
      Path adminSocket,
      Path auditFile,
      AgentApiSettings agentApi) {}

  private final Settings settings;
  private final Datastore datastore;
  private final CertificateAuthority ca;
  private final AuditLog audit;
  private final HealthStatusManager health = new HealthStatusManager();
  private final List<BindableService> services;
  private final Clock clock;
  private volatile UnixSocketServer adminServer;
  private volatile AgentApiServer agentServer;

  /** Opens the datastore and the CA (creating keys on first start). Call {@link #start()} next. */
  public IdentityServer(Settings settings, Clock clock) throws Exception {
    this.settings = settings;
    this.clock = clock;
    this.datastore = Datastore.open(settings.datastore(), clock);
    try {
      this.ca = new CertificateAuthority(settings.ca(), datastore.bundles(), clock);
      this.audit = AuditLog.open(settings.auditFile(), clock);
    } catch (Exception e) {
      datastore.close();
      throw e;
    }
    EntryValidator validator = new EntryValidator(settings.trustDomain());
    this.services = List.of(
        new EntryService(datastore.entries(), validator),
        new BundleService(ca, datastore.bundles(), datastore.entries(), settings.trustDomain()),
        new AgentService(datastore.nodes(), datastore.joinTokens(), datastore.entries(), validator, clock),
        new SvidService(ca, settings.trustDomain(), settings.defaultX509SvidTtl(), settings.defaultJwtSvidTtl()),
        new TrustDomainService(),
        new PolicyService(datastore.policies(), datastore.flows(), datastore.entries()),
        new FlowService(datastore.flows()),
        health.getHealthService());
  }

  /** Starts the admin API and the agent API. */
  public void start() throws Exception {
    adminServer = UnixSocketServer.start(settings.adminSocket(), services,
        List.of(new AuditInterceptor(audit, IdentityServer::summarize)), 2);
    try {
      agentServer = AgentApiServer.start(settings.agentApi(),
          new AgentApiServer.Parts(settings.trustDomain(), ca, datastore, audit, clock,
              settings.defaultX509SvidTtl(), settings.defaultJwtSvidTtl()),
          List.of(new AuditInterceptor(audit, IdentityServer::summarize)));
    } catch (Exception e) {
      adminServer.close();
      adminServer = null;
      throw e;
    }
    health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
  }

  public boolean isRunning() {
    return adminServer != null;
  }

  /** The agent API's bound TCP port; only after {@link #start()}. */
  public int agentApiPort() {
    AgentApiServer server = agentServer;
    if (server == null) {
      throw new IllegalStateException("the agent API is not running");
    }
    return server.port();
  }

  public Datastore datastore() {
    return datastore;
  }

  public CertificateAuthority ca() {
    return ca;
  }

  public Settings settings() {
    return settings;
  }

  /** What {@link #applyRetention} deleted. */
  public record Pruned(int flows, int forwardedAuditRecords) {}

  /**
   * Deletes flows not seen for {@code flows} and forwarded audit records received more than
   * {@code forwardedAudit} ago; a zero duration keeps that kind forever. Audited as
   * {@code event: retention} when anything was deleted.
   */
  public Pruned applyRetention(Duration flows, Duration forwardedAudit) {
    long now = clock.instant().getEpochSecond();
    int flowsDeleted = flows.isZero() ? 0
        : datastore.flows().deleteLastSeenBefore(now - flows.getSeconds());
    int recordsDeleted = forwardedAudit.isZero() ? 0
        : datastore.forwardedAudit().deleteReceivedBefore(now - forwardedAudit.getSeconds());
    if (flowsDeleted + recordsDeleted > 0) {
      var record = audit.newRecord("retention");
      record.put("flows_deleted", flowsDeleted)
          .put("forwarded_audit_deleted", recordsDeleted)
          .put("flows_retention_seconds", flows.getSeconds())
          .put("forwarded_audit_retention_seconds", forwardedAudit.getSeconds());
      audit.record(record);
    }
    return new Pruned(flowsDeleted, recordsDeleted);
  }

  @Override
  public void close() throws Exception {
    health.enterTerminalState();
    if (agentServer != null) {
      agentServer.close();
      agentServer = null;
    }
    if (adminServer != null) {
      adminServer.close();
      adminServer = null;
    }
    audit.close();
    datastore.close();
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> SECRET_FIELDS =
      Set.of("csr", "token", "challenge_response", "payload", "public_key");
  /**
   * Bulky fields whose content is recorded elsewhere: a policy file ({@code yaml}, up to 1 MiB)
   * is recorded by size and SHA-256; forwarded audit {@code records} by count.
   */
  private static final Set<String> BULK_FIELDS = Set.of("yaml", "records");

  /**
   * The request fields worth auditing: the protojson form with secrets and bulky binary fields
   * redacted, bulky fields summarized, and repeated fields longer than 20 items replaced by their
   * count.
   */
  static ObjectNode summarize(Message request) {
    try {
      // Long repeated fields go before printing: a ForwardAudit call carries up to 1,000
      // records, and printing them only to drop them cost more than storing them.
      Map<List<Object>, Integer> counts = new LinkedHashMap<>();
      Message trimmed = trim(request, List.of(), counts);
      String json = JsonFormat.printer().preservingProtoFieldNames().print(trimmed);
      ObjectNode node = (ObjectNode) JSON.readTree(json);
      for (Map.Entry<List<Object>, Integer> c : counts.entrySet()) {
        countAt(node, c.getKey(), c.getValue());
      }
      scrub(node);
      return node;
    } catch (Exception e) {
      ObjectNode node = JSON.createObjectNode();
      node.put("unparsed", request.getDescriptorForType().getFullName());
      return node;
    }
  }

  /**
   * {@code m} without its bulky and long repeated fields (at any depth), whose lengths go to
   * {@code counts} by path (field names, and indexes into short repeated message fields).
   */
  private static Message trim(Message m, List<Object> path, Map<List<Object>, Integer> counts) {
    Message.Builder builder = null;
    for (Map.Entry<Descriptors.FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      Descriptors.FieldDescriptor f = e.getKey();
      boolean message = f.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE
          && !f.isMapField();
      List<Object> at = new ArrayList<>(path);
      at.add(f.getName());
      if (f.isRepeated() && !f.isMapField()) {
        int n = m.getRepeatedFieldCount(f);
        if (n > 20 || BULK_FIELDS.contains(f.getName())) {
          builder = builder != null ? builder : m.toBuilder();
          builder.clearField(f);
          counts.put(List.copyOf(at), n);
          continue;
        }
        for (int i = 0; message && i < n; i++) {
          Message item = (Message) m.getRepeatedField(f, i);
          List<Object> itemPath = new ArrayList<>(at);
          itemPath.add(i);
          Message t = trim(item, itemPath, counts);
          if (t != item) {
            builder = builder != null ? builder : m.toBuilder();
            builder.setRepeatedField(f, i, t);
          }
        }
      } else if (message) {
        Message value = (Message) e.getValue();
        Message t = trim(value, at, counts);
        if (t != value) {
          builder = builder != null ? builder : m.toBuilder();
          builder.setField(f, t);
        }
      }
    }
    return builder == null ? m : builder.build();
  }

  /** Puts {@code <field>_count} where the removed field was. */
  private static void countAt(ObjectNode root, List<Object> path, int count) {
    com.fasterxml.jackson.databind.JsonNode node = root;
    for (int i = 0; i < path.size() - 1 && node != null; i++) {
      Object step = path.get(i);
      if (step instanceof Integer index) {
        node = node.get(index);
      } else {
        com.fasterxml.jackson.databind.JsonNode next = node.get((String) step);
        if (next == null && node instanceof ObjectNode o) {
          next = o.putObject((String) step);
        }
        node = next;
      }
    }
    if (node instanceof ObjectNode o) {
      o.put(path.get(path.size() - 1) + "_count", count);
    }
  }

  private static void scrub(ObjectNode node) {
    for (String field : SECRET_FIELDS) {
      if (node.has(field)) {
        node.put(field, "[redacted]");
      }
    }
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    for (String name : names) {
      var child = node.get(name);
      if (BULK_FIELDS.contains(name) && child.isTextual()) {
        byte[] text = child.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        node.remove(name);
        node.put(name + "_bytes", text.length);
        node.put(name + "_sha256", sha256(text));
      } else if (BULK_FIELDS.contains(name) && child.isArray()) {
        node.remove(name);
        node.put(name + "_count", child.size());
      } else if (child.isArray() && child.size() > 20) {
        node.put(name + "_count", child.size());
        node.remove(name);
      } else if (child.isObject()) {
        scrub((ObjectNode) child);
      } else if (child.isArray()) {
        child.forEach(c -> {
          if (c.isObject()) {
            scrub((ObjectNode) c);
          }
        });
      }
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
