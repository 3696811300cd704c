package io.synid.policy.compile;

import io.synid.policy.model.PortSet;
import io.synid.policy.model.RuleId;
import java.util.Objects;
import java.util.Optional;

/**
 * What unauthenticated peers whose longest matching prefix (among the destination's keys) is this
 * key's may reach: deny wins is already applied, so the entry is final for its prefix.
 *
 * @param allowedPorts the ports allowed; empty means every port is refused (an entry that
 *     overrides a shorter allowing prefix)
 * @param rule the first allow rule when some port is allowed, else the first deny rule
 */
public record CidrEntry(PortSet allowedPorts, Optional<RuleId> rule) {

    /** Validates. */
    public CidrEntry {
        Objects.requireNonNull(allowedPorts, "allowedPorts");
        Objects.requireNonNull(rule, "rule");
    }
}
