package io.synid.policy.suggest;

import io.synid.policy.eval.Source;
import io.synid.policy.eval.Verdict;
import io.synid.policy.model.PortRange;
import io.synid.policy.model.WorkloadIdentity;
import java.util.Objects;

/**
 * Connections seen between two parties (aggregated from audit records).
 *
 * @param source who connected
 * @param destination the workload connected to
 * @param port the destination port
 * @param count how many connections, at least 1
 * @param verdict what happened to them
 */
public record ObservedFlow(Source source, WorkloadIdentity destination, int port, long count, Verdict verdict) {

    /** Validates. */
    public ObservedFlow {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(verdict, "verdict");
        if (port < PortRange.MIN_PORT || port > PortRange.MAX_PORT) {
            throw new IllegalArgumentException("port out of range 1-65535: " + port);
        }
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1: " + count);
        }
    }
}
