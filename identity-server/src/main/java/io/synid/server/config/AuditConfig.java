package io.synid.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where audit records go. */
public class AuditConfig {
  /** JSON Lines file; relative paths are inside dataDir. */
  private String file = "audit.jsonl";

  @JsonProperty
  public String getFile() {
    return file;
  }

  @JsonProperty
  public void setFile(String file) {
    this.file = file;
  }
}
