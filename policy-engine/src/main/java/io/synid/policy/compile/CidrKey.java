package io.synid.policy.compile;

import io.synid.policy.model.Cidr;
import java.util.Objects;

/**
 * A CIDR rule key: unauthenticated peers from {@code cidr} towards one protected workload.
 *
 * @param destination the protected identity's number
 * @param cidr the source prefix
 */
public record CidrKey(int destination, Cidr cidr) {

    /** Validates. */
    public CidrKey {
        IdentityDirectory.checkNumber(destination);
        Objects.requireNonNull(cidr, "cidr");
    }
}
