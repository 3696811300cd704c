package io.synid.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;

/**
 * How long the server keeps what agents report. Zero keeps it forever. Checked once an hour (and
 * at start).
 */
public class RetentionConfig {
  /** A flow not seen for this long is deleted (it reappears, counted afresh, if seen again). */
  private Duration flows = Duration.days(30);

  /** Forwarded agent audit records received this long ago are deleted. */
  private Duration forwardedAudit = Duration.days(90);

  @JsonProperty
  public Duration getFlows() {
    return flows;
  }

  @JsonProperty
  public void setFlows(Duration flows) {
    this.flows = flows;
  }

  @JsonProperty
  public Duration getForwardedAudit() {
    return forwardedAudit;
  }

  @JsonProperty
  public void setForwardedAudit(Duration forwardedAudit) {
    this.forwardedAudit = forwardedAudit;
  }
}
