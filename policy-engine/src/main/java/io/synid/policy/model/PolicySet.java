package io.synid.policy.model;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A version of the whole set of policies: what the server stores and agents receive. The version
 * grows with every accepted change and is reported in audit records as {@code policy_version}.
 *
 * @param version the version, at least 0
 * @param policies the policies, ordered by name, names unique (copied)
 */
public record PolicySet(long version, List<Policy> policies) {

    /** Validates, copies and orders by name. */
    public PolicySet {
        if (version < 0) {
            throw new IllegalArgumentException("version must not be negative: " + version);
        }
        policies = policies.stream()
                .sorted(java.util.Comparator.comparing(Policy::name))
                .toList();
        Set<String> names = new HashSet<>();
        for (Policy p : policies) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("duplicate policy name: " + p.name());
            }
        }
    }

    /** A set from any collection of policies. */
    public static PolicySet of(long version, Collection<Policy> policies) {
        return new PolicySet(version, List.copyOf(Objects.requireNonNull(policies, "policies")));
    }
}
