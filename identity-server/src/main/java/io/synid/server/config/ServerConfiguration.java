package io.synid.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

/**
 * The identity server's configuration file ({@code conf/server/*.yaml} has commented examples).
 * Unknown fields are errors (Dropwizard's default), so a misspelt key never passes silently.
 */
public class ServerConfiguration extends Configuration {
  @NotEmpty(message = "is required (for example example.org)")
  private String trustDomain = "";

  @NotEmpty(message = "is required: the directory for keys, the SQLite database and the audit log")
  private String dataDir = "";

  @NotEmpty
  private String adminSocketPath = "/tmp/synid-server/private/api.sock";

  @Valid @NotNull
  private CaConfig ca = new CaConfig();

  @Valid @NotNull
  private SvidConfig svid = new SvidConfig();

  @Valid @NotNull
  private DatastoreFactory datastore = new DatastoreFactory();

  @Valid @NotNull
  private AuditConfig audit = new AuditConfig();

  @Valid @NotNull
  private AgentApiConfig agentApi = new AgentApiConfig();

  @Valid @NotNull
  private RetentionConfig retention = new RetentionConfig();

  @JsonProperty
  public RetentionConfig getRetention() {
    return retention;
  }

  @JsonProperty
  public void setRetention(RetentionConfig retention) {
    this.retention = retention;
  }

  @JsonProperty
  public String getTrustDomain() {
    return trustDomain;
  }

  @JsonProperty
  public void setTrustDomain(String trustDomain) {
    this.trustDomain = trustDomain;
  }

  @JsonProperty
  public String getDataDir() {
    return dataDir;
  }

  @JsonProperty
  public void setDataDir(String dataDir) {
    this.dataDir = dataDir;
  }

  @JsonProperty
  public String getAdminSocketPath() {
    return adminSocketPath;
  }

  @JsonProperty
  public void setAdminSocketPath(String adminSocketPath) {
    this.adminSocketPath = adminSocketPath;
  }

  @JsonProperty
  public CaConfig getCa() {
    return ca;
  }

  @JsonProperty
  public void setCa(CaConfig ca) {
    this.ca = ca;
  }

  @JsonProperty
  public SvidConfig getSvid() {
    return svid;
  }

  @JsonProperty
  public void setSvid(SvidConfig svid) {
    this.svid = svid;
  }

  @JsonProperty
  public DatastoreFactory getDatastore() {
    return datastore;
  }

  @JsonProperty
  public void setDatastore(DatastoreFactory datastore) {
    this.datastore = datastore;
  }

  @JsonProperty
  public AuditConfig getAudit() {
    return audit;
  }

  @JsonProperty
  public void setAudit(AuditConfig audit) {
    this.audit = audit;
  }

  @JsonProperty
  public AgentApiConfig getAgentApi() {
    return agentApi;
  }

  @JsonProperty
  public void setAgentApi(AgentApiConfig agentApi) {
    this.agentApi = agentApi;
  }

  /** Reported by the validator as "trustDomainValid ..." with the parser's reason. */
  @AssertTrue(message = "trustDomain is not a valid SPIFFE trust domain name: use lowercase letters, digits, dots, dashes and underscores")
  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isTrustDomainValid() {
    if (trustDomain.isEmpty()) {
      return true;
    }
    try {
      io.synid.core.spiffeid.TrustDomain td = io.synid.core.spiffeid.TrustDomain.parse(trustDomain);
      return td.name().equals(trustDomain);
    } catch (Exception e) {
      return false;
    }
  }

  @AssertTrue(message = "svid.defaultX509SvidTtl must be shorter than ca.ttl")
  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isSvidTtlBelowCaTtl() {
    return svid.getDefaultX509SvidTtl().toSeconds() < ca.getTtl().toSeconds();
  }
}
