package io.synid.server.agentapi;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the agent API listens and which node attestors it offers besides {@code join_token}.
 *
 * @param address the TCP address; port 0 picks a free port (tests)
 * @param x509popCaBundle PEM roots for {@code x509pop} attestation; empty disables x509pop
 */
public record AgentApiSettings(InetSocketAddress address, Optional<Path> x509popCaBundle) {
  public AgentApiSettings {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(x509popCaBundle, "x509popCaBundle");
  }

  /** Loopback, a free port, join_token only. */
  public static AgentApiSettings loopbackEphemeral() {
    return new AgentApiSettings(new InetSocketAddress("127.0.0.1", 0), Optional.empty());
  }
}
