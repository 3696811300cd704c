package io.synid.server.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Pattern;
import java.util.concurrent.TimeUnit;

/** Signing authorities: key types, lifetime, optional upstream CA. */
public class CaConfig {
  private static final String KEY_TYPES = "ec-p256|ec-p384|rsa-2048";

  @Pattern(regexp = KEY_TYPES, message = "must be one of ec-p256, ec-p384, rsa-2048")
  private String keyType = "ec-p256";

  @Pattern(regexp = KEY_TYPES, message = "must be one of ec-p256, ec-p384, rsa-2048")
  private String jwtKeyType = "ec-p256";

  @MinDuration(value = 1, unit = TimeUnit.MINUTES, message = "must be at least 1 minute")
  private Duration ttl = Duration.hours(24);

  @MinDuration(value = 1, unit = TimeUnit.SECONDS, message = "must be at least 1 second")
  private Duration refreshHint = Duration.minutes(5);

  @Valid
  private UpstreamConfig upstream;

  @JsonProperty
  public String getKeyType() {
    return keyType;
  }

  @JsonProperty
  public void setKeyType(String keyType) {
    this.keyType = keyType;
  }

  @JsonProperty
  public String getJwtKeyType() {
    return jwtKeyType;
  }

  @JsonProperty
  public void setJwtKeyType(String jwtKeyType) {
    this.jwtKeyType = jwtKeyType;
  }

  @JsonProperty
  public Duration getTtl() {
    return ttl;
  }

  @JsonProperty
  public void setTtl(Duration ttl) {
    this.ttl = ttl;
  }

  @JsonProperty
  public Duration getRefreshHint() {
    return refreshHint;
  }

  @JsonProperty
  public void setRefreshHint(Duration refreshHint) {
    this.refreshHint = refreshHint;
  }

  @JsonProperty
  public UpstreamConfig getUpstream() {
    return upstream;
  }

  @JsonProperty
  public void setUpstream(UpstreamConfig upstream) {
    this.upstream = upstream;
  }

  /** An upstream CA on disk whose key signs our intermediates. */
  public static class UpstreamConfig {
    @jakarta.validation.constraints.NotEmpty(message = "is required: PEM file with the upstream CA certificate, then its chain up to the root")
    private String certificateChainFile = "";

    @jakarta.validation.constraints.NotEmpty(message = "is required: PEM file with the upstream CA's PKCS#8 private key")
    private String keyFile = "";

    @JsonProperty
    public String getCertificateChainFile() {
      return certificateChainFile;
    }

    @JsonProperty
    public void setCertificateChainFile(String certificateChainFile) {
      this.certificateChainFile = certificateChainFile;
    }

    @JsonProperty
    public String getKeyFile() {
      return keyFile;
    }

    @JsonProperty
    public void setKeyFile(String keyFile) {
      this.keyFile = keyFile;
    }

    @AssertTrue(message = "certificateChainFile does not exist or is not readable")
    @JsonIgnore
    public boolean isCertificateChainFileReadable() {
      return certificateChainFile.isEmpty() || java.nio.file.Files.isReadable(java.nio.file.Path.of(certificateChainFile));
    }

    @AssertTrue(message = "keyFile does not exist or is not readable")
    @JsonIgnore
    public boolean isKeyFileReadable() {
      return keyFile.isEmpty() || java.nio.file.Files.isReadable(java.nio.file.Path.of(keyFile));
    }
  }
}
