package io.synid.policy.eval;

import io.synid.policy.model.PortRange;
import io.synid.policy.model.WorkloadIdentity;
import java.util.Objects;

/**
 * A connection to decide.
 *
 * @param source who connects
 * @param destination the listening workload
 * @param port the destination port, 1..65535
 */
public record ConnectionRequest(Source source, WorkloadIdentity destination, int port) {

    /** Validates. */
    public ConnectionRequest {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        if (port < PortRange.MIN_PORT || port > PortRange.MAX_PORT) {
            throw new IllegalArgumentException("port out of range 1-65535: " + port);
        }
    }
}
