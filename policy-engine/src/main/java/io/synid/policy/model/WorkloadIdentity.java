package io.synid.policy.model;

import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.SpiffeId;
import java.util.Objects;
import java.util.Set;

/**
 * An authenticated workload as policies see it: its SPIFFE ID and the selectors of the
 * registration entry that gave it that ID.
 *
 * @param spiffeId the workload's SPIFFE ID
 * @param selectors the entry's selectors (copied, unmodifiable; may be empty)
 */
public record WorkloadIdentity(SpiffeId spiffeId, Set<Selector> selectors) {

    /** Copies the selectors. */
    public WorkloadIdentity {
        Objects.requireNonNull(spiffeId, "spiffeId");
        selectors = Set.copyOf(Objects.requireNonNull(selectors, "selectors"));
    }

    /** An identity without selectors. */
    public static WorkloadIdentity of(SpiffeId spiffeId) {
        return new WorkloadIdentity(spiffeId, Set.of());
    }
}
