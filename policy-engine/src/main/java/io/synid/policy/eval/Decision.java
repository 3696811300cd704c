package io.synid.policy.eval;

import io.synid.policy.model.Mode;
import io.synid.policy.model.RuleId;
import java.util.Objects;
import java.util.Optional;

/**
 * What the policies decided for one connection, with everything the audit record needs.
 *
 * @param verdict what happens to the connection: in {@link Mode#MONITOR} always {@link
 *     Verdict#ALLOWED}
 * @param policyVerdict what the policies say, i.e. what {@link Mode#ENFORCE} does: differs from
 *     {@code verdict} exactly when a monitored connection would be refused under enforcement
 * @param rule the deciding rule, empty when no rule matched
 * @param mode the destination's mode
 * @param policyVersion the version of the policy set that decided
 */
public record Decision(Verdict verdict, Verdict policyVerdict, Optional<RuleId> rule, Mode mode, long policyVersion) {

    /** Audit reason when no rule matched a connection to an enforcing workload. */
    public static final String DEFAULT_DENY = "default-deny";
    /** Audit reason when no rule matched a connection to a monitored workload: allowed and recorded. */
    public static final String DEFAULT_ALLOW = "default-allow";

    /** Validates. */
    public Decision {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(policyVerdict, "policyVerdict");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(mode, "mode");
        if (mode == Mode.ENFORCE && verdict != policyVerdict) {
            throw new IllegalArgumentException("in enforce mode the verdict is the policy verdict");
        }
        if (mode == Mode.MONITOR && verdict != Verdict.ALLOWED) {
            throw new IllegalArgumentException("monitor mode refuses nothing");
        }
        if (rule.isEmpty() && policyVerdict != Verdict.DENIED) {
            throw new IllegalArgumentException("only a rule allows");
        }
    }

    /**
     * The audit record's {@code reason}: {@code policy:<name>#<n>} when a rule decided, else
     * {@value #DEFAULT_DENY} (enforce) or {@value #DEFAULT_ALLOW} (monitor).
     */
    public String reason() {
        return rule.map(RuleId::toString).orElse(mode == Mode.ENFORCE ? DEFAULT_DENY : DEFAULT_ALLOW);
    }
}
