package io.synid.policy.model;

import java.util.Objects;

/**
 * Names one rule: the policy and the rule's position in its {@code ingress} list, counted from 1.
 * Written {@code policy:<name>#<number>}, the audit record's reason for a decision a rule made.
 *
 * @param policy the policy name
 * @param number the rule number, from 1
 */
public record RuleId(String policy, int number) implements Comparable<RuleId> {

    /** Validates. */
    public RuleId {
        Objects.requireNonNull(policy, "policy");
        if (number < 1) {
            throw new IllegalArgumentException("rule numbers start at 1: " + number);
        }
    }

    @Override
    public int compareTo(RuleId o) {
        int c = policy.compareTo(o.policy);
        return c != 0 ? c : Integer.compare(number, o.number);
    }

    /** {@code policy:orders-db-ingress#1}. */
    @Override
    public String toString() {
        return "policy:" + policy + "#" + number;
    }
}
