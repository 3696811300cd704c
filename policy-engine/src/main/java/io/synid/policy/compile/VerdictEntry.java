package io.synid.policy.compile;

import io.synid.policy.model.RuleId;
import java.util.Objects;
import java.util.Optional;

/**
 * A verdict map value with the rule it came from (for audit; the kernel stores only the verdict).
 *
 * @param verdict allow or deny
 * @param rule the rule that allowed (first in policy-name, rule order) or denied; empty for a
 *     {@link TableVerdict#DENY} that only carves a port nobody allowed out of a wildcard allow
 */
public record VerdictEntry(TableVerdict verdict, Optional<RuleId> rule) {

    /** Validates. */
    public VerdictEntry {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(rule, "rule");
        if (verdict == TableVerdict.ALLOW && rule.isEmpty()) {
            throw new IllegalArgumentException("an allow entry names its rule");
        }
    }
}
