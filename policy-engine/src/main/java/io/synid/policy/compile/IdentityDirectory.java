package io.synid.policy.compile;

import io.synid.policy.model.WorkloadIdentity;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The identities the compiler knows: every identity number (the number the datapath's verdict
 * keys carry) with its SPIFFE ID and selectors, and which of them are protected workloads, i.e.
 * the destinations whose verdicts, CIDR rules and mode are compiled (on an agent: the workloads of
 * its node).
 *
 * @param identities identity number (1..2^31-1) to identity (copied)
 * @param protectedIdentities numbers of protected workloads, each a key of {@code identities}
 */
public record IdentityDirectory(Map<Integer, WorkloadIdentity> identities, Set<Integer> protectedIdentities) {

    /** Validates and copies. */
    public IdentityDirectory {
        identities = Map.copyOf(Objects.requireNonNull(identities, "identities"));
        protectedIdentities = Set.copyOf(Objects.requireNonNull(protectedIdentities, "protectedIdentities"));
        for (int n : identities.keySet()) {
            checkNumber(n);
        }
        for (int n : protectedIdentities) {
            if (!identities.containsKey(n)) {
                throw new IllegalArgumentException("protected identity " + n + " is not in the directory");
            }
        }
    }

    static void checkNumber(int n) {
        // 0 is the datapath's "no identity"; numbers above 2^31-1 are not needed yet.
        if (n <= 0) {
            throw new IllegalArgumentException("identity numbers start at 1: " + n);
        }
    }
}
