package io.synid.agent.handshake;

import io.synid.handshake.Lifetime;
import java.nio.file.Path;
import java.util.List;

/**
 * The agent's datapath configuration (YAML block {@code handshake:}).
 *
 * @param cgroup the cgroup v2 subtree whose sockets carry identity in the handshake
 * @param addresses this node's addresses as CIDR prefixes, registered with the server
 * @param lifetime what happens to enforcement when the agent dies
 * @param pinDirectory bpffs directory for fail-closed pins
 * @param epochSeconds how long a pairwise key epoch lasts
 * @param timestampWindowSeconds accepted clock skew of a received option
 * @param tcDevices devices for a TC-ingress attach instead of cgroup_skb (empty: cgroup)
 */
public record HandshakeSettings(Path cgroup, List<String> addresses, Lifetime lifetime,
    Path pinDirectory, long epochSeconds, int timestampWindowSeconds, List<String> tcDevices) {
  public HandshakeSettings {
    addresses = List.copyOf(addresses);
    tcDevices = List.copyOf(tcDevices);
  }
}
