package io.synid.agent.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's configuration file, bound from YAML (camelCase keys, unknown keys rejected). See
 * {@code conf/agent/agent-full.yaml} for every key with its meaning and default.
 */
public final class AgentConfig {
  /** Our trust domain, e.g. {@code example.org}. Required. */
  @JsonProperty public String trustDomain;

  /** Where the agent keeps its SVID, key and last bundle. Required. */
  @JsonProperty public String dataDir;

  /** The identity server's (or SPIRE server's) agent API. */
  @JsonProperty public ServerConfig server = new ServerConfig();

  /** The bootstrap bundle used to verify the server before the agent has its own. */
  @JsonProperty public TrustBundleConfig trustBundle = new TrustBundleConfig();

  /** How the node proves its identity. Exactly one method. */
  @JsonProperty public NodeAttestorConfig nodeAttestor = new NodeAttestorConfig();

  /** Workload attestor name to its plugin data, e.g. {@code unix: {discoverWorkloadPath: true}}. */
  @JsonProperty public Map<String, Map<String, Object>> workloadAttestors =
      new LinkedHashMap<>(Map.of("unix", Map.of()));

  /** The Workload API. */
  @JsonProperty public WorkloadApiConfig workloadApi = new WorkloadApiConfig();

  /** How often entries and bundles are synced (e.g. {@code 5s}, {@code 500ms}, {@code 1m}). */
  @JsonProperty public String syncInterval = "5s";

  /** The audit pipeline and its sinks. */
  @JsonProperty public AuditConfig audit = new AuditConfig();

  /** Identity in the TCP handshake (absent: off). */
  @JsonProperty public HandshakeConfig handshake;

  /** The eBPF datapath: which sockets carry identity, and how this node is reached. */
  public static final class HandshakeConfig {
    /** The cgroup v2 subtree whose workloads' connections carry identity (required). */
    @JsonProperty public String cgroup;
    /** This node's addresses, CIDR (e.g. 10.0.0.1/32); peers route FP1 to them (required). */
    @JsonProperty public java.util.List<String> addresses = new java.util.ArrayList<>();
    /** failClosed (default: programs and maps stay pinned when the agent dies) | failOpen. */
    @JsonProperty public String lifetime = "failClosed";
    @JsonProperty public String pinDirectory = "/sys/fs/bpf/synid";
    /** Lifetime of a pairwise key epoch. */
    @JsonProperty public String keyEpoch = "1h";
    @JsonProperty public int timestampWindowSeconds = 30;
    /** Devices for a TC-ingress attach instead of cgroup_skb (empty: cgroup). */
    @JsonProperty public java.util.List<String> tcDevices = new java.util.ArrayList<>();
  }

  /** Where the server listens for agents. */
  public static final class ServerConfig {
    @JsonProperty public String address = "127.0.0.1";
    @JsonProperty public int port = 8081;
  }

  /** The bootstrap bundle: a file or an HTTPS URL, PEM or SPIFFE bundle JSON. */
  public static final class TrustBundleConfig {
    @JsonProperty public String path;
    @JsonProperty public String url;
    /** {@code pem} (default) or {@code spiffe}. */
    @JsonProperty public String format = "pem";
  }

  /** One node attestation method. */
  public static final class NodeAttestorConfig {
    /** A join token from {@code synid-server token generate} (single use). */
    @JsonProperty public String joinToken;
    @JsonProperty public X509PopConfig x509pop;
  }

  /** The node's certificate and key for {@code x509pop}. */
  public static final class X509PopConfig {
    @JsonProperty public String certificatePath;
    @JsonProperty public String privateKeyPath;
    /** Optional: intermediates sent after the node certificate. */
    @JsonProperty public String intermediatesPath;
  }

  /** The Workload API socket. */
  public static final class WorkloadApiConfig {
    @JsonProperty public String socketPath = "/run/synid/agent/public/api.sock";
  }

  /**
   * The audit pipeline: a durable spool in {@code <dataDir>/audit-spool}, then the JSON Lines
   * file, syslog and the server. Sizes are bytes, optionally with KiB, MiB or GiB.
   */
  public static final class AuditConfig {
    /** The JSON Lines file; defaults to {@code <dataDir>/audit.jsonl}. */
    @JsonProperty public String path;
    /** Rotate the file before it would exceed this. */
    @JsonProperty public String maxFileBytes = "100MiB";
    /** Rotated files kept ({@code audit.jsonl.1} .. {@code .<maxFiles>}). */
    @JsonProperty public int maxFiles = 5;
    /** Syslog over TCP (RFC 5424, octet counting); off when absent. */
    @JsonProperty public SyslogConfig syslog;
    /** Forward records to the server ({@code Node/ForwardAudit}). */
    @JsonProperty public boolean forwardToServer = false;
    /** The spool's bound; beyond it the oldest records are dropped for sinks still behind. */
    @JsonProperty public String spoolMaxBytes = "256MiB";
    /** Group commit: the spool is fsynced at most this long after a record is written. */
    @JsonProperty public String spoolSyncInterval = "50ms";
  }

  /** A syslog receiver. */
  public static final class SyslogConfig {
    @JsonProperty public String address;
    @JsonProperty public int port = 514;
    /** A name (kern .. local7) or number 0-23. */
    @JsonProperty public String facility = "authpriv";
    /** Longer messages are sent shortened (rsyslog's default limit is 8 KiB). */
    @JsonProperty public String maxMessageBytes = "8KiB";
  }
}
