package io.synid.policy.eval;

import io.synid.policy.model.WorkloadIdentity;
import java.net.InetAddress;
import java.util.Objects;

/** The connecting side of a connection: an identity proven in the handshake, or only an address. */
public sealed interface Source {

    /**
     * A peer that proved its identity.
     *
     * @param identity its SPIFFE ID and selectors
     */
    record Authenticated(WorkloadIdentity identity) implements Source {
        public Authenticated {
            Objects.requireNonNull(identity, "identity");
        }
    }

    /**
     * A peer without a valid handshake identity; only CIDR rules can allow it.
     *
     * @param address its source address
     */
    record Unauthenticated(InetAddress address) implements Source {
        public Unauthenticated {
            Objects.requireNonNull(address, "address");
        }
    }
}
