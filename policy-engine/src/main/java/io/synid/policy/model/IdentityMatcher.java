package io.synid.policy.model;

import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import java.util.Objects;
import java.util.Optional;

/**
 * A set of workload identities named by a policy: one SPIFFE ID, every ID under a path prefix, or
 * every identity whose registration entry carries a selector.
 */
public sealed interface IdentityMatcher {

    /** Whether {@code identity} belongs to the set. */
    boolean matches(WorkloadIdentity identity);

    /**
     * Exactly one SPIFFE ID.
     *
     * @param spiffeId the ID
     */
    record ExactId(SpiffeId spiffeId) implements IdentityMatcher {
        public ExactId {
            Objects.requireNonNull(spiffeId, "spiffeId");
        }

        @Override
        public boolean matches(WorkloadIdentity identity) {
            return identity.spiffeId().equals(spiffeId);
        }
    }

    /**
     * Every SPIFFE ID whose string form starts with {@code prefix}. The prefix always ends with
     * {@code /} and what precedes the slash is a valid SPIFFE ID, so it matches whole path segments:
     * {@code spiffe://td/svc/billing/} matches {@code spiffe://td/svc/billing/api} but neither
     * {@code spiffe://td/svc/billing} itself nor {@code spiffe://td/svc/billing-evil}.
     *
     * @param prefix the prefix, for example {@code spiffe://prod.example/svc/}
     */
    record IdPrefix(String prefix) implements IdentityMatcher {

        /** The prefix does not end with a slash. */
        public static final String NO_TRAILING_SLASH =
                "a spiffe_id_prefix must end with '/' so that it matches whole path segments";

        /** Validates the prefix; use {@link #problem} to check untrusted input first. */
        public IdPrefix {
            Objects.requireNonNull(prefix, "prefix");
            Optional<String> problem = problem(prefix);
            if (problem.isPresent()) {
                throw new IllegalArgumentException(problem.get());
            }
        }

        /**
         * What is wrong with an untrusted prefix: {@link #NO_TRAILING_SLASH}, or the SPIFFE ID
         * parser's message for what precedes the final slash; empty when it is valid.
         */
        public static Optional<String> problem(String prefix) {
            if (!prefix.endsWith("/")) {
                return Optional.of(NO_TRAILING_SLASH);
            }
            try {
                SpiffeId.parse(prefix.substring(0, prefix.length() - 1));
                return Optional.empty();
            } catch (InvalidSpiffeIdException e) {
                return Optional.of(e.getMessage());
            }
        }

        @Override
        public boolean matches(WorkloadIdentity identity) {
            return identity.spiffeId().toString().startsWith(prefix);
        }
    }

    /**
     * Every identity whose registration entry carries the selector.
     *
     * @param selector the selector
     */
    record HasSelector(Selector selector) implements IdentityMatcher {
        public HasSelector {
            Objects.requireNonNull(selector, "selector");
        }

        @Override
        public boolean matches(WorkloadIdentity identity) {
            return identity.selectors().contains(selector);
        }
    }
}
