package io.synid.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;

/**
 * The agent API listener (SPIRE's {@code bind_address}/{@code bind_port}, default 8081) and the
 * node attestors it offers besides {@code join_token}.
 */
public class AgentApiConfig {
  @NotEmpty
  private String bindAddress = "127.0.0.1";

  @Min(value = 0, message = "must be between 0 and 65535")
  @Max(value = 65535, message = "must be between 0 and 65535")
  private int port = 8081;

  @Valid
  private X509PopConfig x509pop;

  /** The {@code x509pop} node attestor: agents prove a certificate issued by these CAs. */
  public static class X509PopConfig {
    @NotEmpty(message = "is required: a PEM file with the CA certificates agent certificates chain to")
    private String caBundlePath = "";

    @JsonProperty
    public String getCaBundlePath() {
      return caBundlePath;
    }

    @JsonProperty
    public void setCaBundlePath(String caBundlePath) {
      this.caBundlePath = caBundlePath;
    }
  }

  @JsonProperty
  public String getBindAddress() {
    return bindAddress;
  }

  @JsonProperty
  public void setBindAddress(String bindAddress) {
    this.bindAddress = bindAddress;
  }

  @JsonProperty
  public int getPort() {
    return port;
  }

  @JsonProperty
  public void setPort(int port) {
    this.port = port;
  }

  @JsonProperty
  public X509PopConfig getX509pop() {
    return x509pop;
  }

  @JsonProperty
  public void setX509pop(X509PopConfig x509pop) {
    this.x509pop = x509pop;
  }
}
