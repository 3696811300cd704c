package io.synid.policy.model;

import java.util.List;
import java.util.Objects;

/**
 * One ingress rule: connections from any of {@code from} to any of {@code ports} of the protected
 * workloads get {@code action}.
 *
 * @param from the peers (non-empty, copied)
 * @param ports the destination ports; {@link PortSet#ALL} when the rule names none
 * @param action allow or deny
 */
public record IngressRule(List<Peer> from, PortSet ports, Action action) {

    /** Validates and copies. */
    public IngressRule {
        from = List.copyOf(Objects.requireNonNull(from, "from"));
        Objects.requireNonNull(ports, "ports");
        Objects.requireNonNull(action, "action");
        if (from.isEmpty()) {
            throw new IllegalArgumentException("a rule needs at least one peer");
        }
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("a rule needs at least one port");
        }
    }
}
