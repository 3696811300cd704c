package io.synid.policy.model;

import java.util.Objects;

/** Who a rule is about: authenticated identities, or peers without a handshake identity from a prefix. */
public sealed interface Peer {

    /**
     * Peers that proved an identity in the handshake and match {@code matcher}.
     *
     * @param matcher which identities
     */
    record Identity(IdentityMatcher matcher) implements Peer {
        public Identity {
            Objects.requireNonNull(matcher, "matcher");
        }
    }

    /**
     * Peers without a valid handshake identity whose source address is inside {@code cidr}. The
     * only place where a policy names addresses.
     *
     * @param cidr the source prefix
     */
    record Unauthenticated(Cidr cidr) implements Peer {
        public Unauthenticated {
            Objects.requireNonNull(cidr, "cidr");
        }
    }
}
