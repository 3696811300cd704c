package io.synid.policy.model;

/** What a rule does with the connections it matches. An explicit {@link #DENY} always wins. */
public enum Action {
    ALLOW,
    DENY;

    /** The spelling used in policy files: {@code allow} or {@code deny}. */
    public String yamlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
