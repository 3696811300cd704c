package io.synid.policy.eval;

import io.synid.policy.model.Action;
import io.synid.policy.model.IngressRule;
import io.synid.policy.model.Mode;
import io.synid.policy.model.Peer;
import io.synid.policy.model.Policy;
import io.synid.policy.model.PolicySet;
import io.synid.policy.model.RuleId;
import io.synid.policy.model.WorkloadIdentity;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides single connections against one {@link PolicySet}: the reference semantics that the
 * compiled verdict tables reproduce.
 *
 * <p>Semantics: the policies that apply to the destination are considered in name order and their
 * rules in file order. A rule matches when one of its peers matches the source (identity matchers
 * only match authenticated sources, CIDRs only unauthenticated ones) and its ports contain the
 * port. If any matching rule denies, the connection is denied and the first such rule decides
 * (explicit deny wins); otherwise the first matching allow rule decides; otherwise nothing
 * matched. The destination is in {@link Mode#ENFORCE} when any applying policy says so, else in
 * {@link Mode#MONITOR} (also when no policy applies: such a workload is observed, not protected).
 * Immutable and thread-safe.
 */
public final class PolicyEvaluator {

    private final PolicySet policies;

    private PolicyEvaluator(PolicySet policies) {
        this.policies = policies;
    }

    /** An evaluator for {@code policies}. */
    public static PolicyEvaluator of(PolicySet policies) {
        return new PolicyEvaluator(Objects.requireNonNull(policies, "policies"));
    }

    /** The set this evaluator decides with. */
    public PolicySet policies() {
        return policies;
    }

    /** Decides one connection. */
    public Decision decide(ConnectionRequest request) {
        Mode mode = Mode.MONITOR;
        RuleId firstAllow = null;
        RuleId firstDeny = null;
        for (Policy p : policies.policies()) {
            if (!p.appliesTo(request.destination())) {
                continue;
            }
            if (p.mode() == Mode.ENFORCE) {
                mode = Mode.ENFORCE;
            }
            for (int i = 0; i < p.ingress().size(); i++) {
                IngressRule r = p.ingress().get(i);
                if (!r.ports().contains(request.port()) || !matches(r, request.source())) {
                    continue;
                }
                if (r.action() == Action.DENY && firstDeny == null) {
                    firstDeny = p.ruleId(i);
                } else if (r.action() == Action.ALLOW && firstAllow == null) {
                    firstAllow = p.ruleId(i);
                }
            }
        }
        Verdict policyVerdict = firstDeny == null && firstAllow != null ? Verdict.ALLOWED : Verdict.DENIED;
        Optional<RuleId> rule = Optional.ofNullable(firstDeny != null ? firstDeny : firstAllow);
        Verdict verdict = mode == Mode.ENFORCE ? policyVerdict : Verdict.ALLOWED;
        return new Decision(verdict, policyVerdict, rule, mode, policies.version());
    }

    /** The mode of {@code destination}: enforce when any applying policy enforces. */
    public Mode modeOf(WorkloadIdentity destination) {
        for (Policy p : policies.policies()) {
            if (p.mode() == Mode.ENFORCE && p.appliesTo(destination)) {
                return Mode.ENFORCE;
            }
        }
        return Mode.MONITOR;
    }

    static boolean matches(IngressRule rule, Source source) {
        for (Peer peer : rule.from()) {
            if (peer instanceof Peer.Identity id && source instanceof Source.Authenticated a
                    && id.matcher().matches(a.identity())) {
                return true;
            }
            if (peer instanceof Peer.Unauthenticated u && source instanceof Source.Unauthenticated s
                    && u.cidr().contains(s.address())) {
                return true;
            }
        }
        return false;
    }
}
