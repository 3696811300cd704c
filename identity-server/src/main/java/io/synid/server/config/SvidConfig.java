package io.synid.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import java.util.concurrent.TimeUnit;

/** Default SVID lifetimes, used when an entry or request does not set one. */
public class SvidConfig {
  @MinDuration(value = 1, unit = TimeUnit.SECONDS, message = "must be at least 1 second")
  private Duration defaultX509SvidTtl = Duration.hours(1);

  @MinDuration(value = 1, unit = TimeUnit.SECONDS, message = "must be at least 1 second")
  private Duration defaultJwtSvidTtl = Duration.minutes(5);

  @JsonProperty
  public Duration getDefaultX509SvidTtl() {
    return defaultX509SvidTtl;
  }

  @JsonProperty
  public void setDefaultX509SvidTtl(Duration value) {
    this.defaultX509SvidTtl = value;
  }

  @JsonProperty
  public Duration getDefaultJwtSvidTtl() {
    return defaultJwtSvidTtl;
  }

  @JsonProperty
  public void setDefaultJwtSvidTtl(Duration value) {
    this.defaultJwtSvidTtl = value;
  }
}
