package io.synid.policy.eval;

/** The outcome of a connection decision, as the audit record spells it. */
public enum Verdict {
    ALLOWED,
    DENIED;

    /** {@code allowed} or {@code denied}. */
    public String auditName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
