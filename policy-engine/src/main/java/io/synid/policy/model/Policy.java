package io.synid.policy.model;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One named policy: the protected workloads it applies to, their mode, and the ingress rules that
 * say who may connect to them.
 *
 * <p>A workload is protected by a policy when any matcher of {@code appliesTo} matches it.
 *
 * @param name lowercase letters, digits, {@code .}, {@code _} and {@code -}, starting with a
 *     letter or digit, at most {@value #MAX_NAME_LENGTH} characters (it appears in audit reasons)
 * @param mode monitor or enforce, for the workloads it applies to
 * @param appliesTo the protected workloads (non-empty, copied)
 * @param ingress the rules (copied; may be empty: in enforce mode that refuses everything)
 */
public record Policy(String name, Mode mode, List<IdentityMatcher> appliesTo, List<IngressRule> ingress) {

    /** Longest policy name. */
    public static final int MAX_NAME_LENGTH = 128;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0," + (MAX_NAME_LENGTH - 1) + "}");
    /** Message for an invalid name. */
    public static final String BAD_NAME = "a policy name is 1-" + MAX_NAME_LENGTH
            + " characters from [a-z0-9._-] starting with a letter or digit";

    /** Validates and copies. */
    public Policy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mode, "mode");
        appliesTo = List.copyOf(Objects.requireNonNull(appliesTo, "appliesTo"));
        ingress = List.copyOf(Objects.requireNonNull(ingress, "ingress"));
        if (!isValidName(name)) {
            throw new IllegalArgumentException(BAD_NAME);
        }
        if (appliesTo.isEmpty()) {
            throw new IllegalArgumentException("a policy applies to at least one workload matcher");
        }
    }

    /** Whether {@code name} is a valid policy name. */
    public static boolean isValidName(String name) {
        return NAME.matcher(name).matches();
    }

    /** Whether this policy protects {@code workload}. */
    public boolean appliesTo(WorkloadIdentity workload) {
        for (IdentityMatcher m : appliesTo) {
            if (m.matches(workload)) {
                return true;
            }
        }
        return false;
    }

    /** The id of the rule at {@code index} (0-based) of {@link #ingress()}. */
    public RuleId ruleId(int index) {
        Objects.checkIndex(index, ingress.size());
        return new RuleId(name, index + 1);
    }
}
