package io.synid.policy.compile;

import io.synid.policy.model.PortRange;

/**
 * A verdict map key.
 *
 * @param source the connecting identity's number
 * @param destination the protected identity's number
 * @param port a destination port, or {@link #ANY_PORT} for the pair's wildcard entry
 */
public record VerdictKey(int source, int destination, int port) {

    /** The wildcard port: the entry that applies to every port without an entry of its own. */
    public static final int ANY_PORT = 0;

    /** Validates. */
    public VerdictKey {
        IdentityDirectory.checkNumber(source);
        IdentityDirectory.checkNumber(destination);
        if (port < ANY_PORT || port > PortRange.MAX_PORT) {
            throw new IllegalArgumentException("port out of range 0-65535: " + port);
        }
    }
}
