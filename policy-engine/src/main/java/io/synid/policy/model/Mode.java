package io.synid.policy.model;

/** How a protected workload treats connections that no rule allows. */
public enum Mode {
    /** Record every decision, refuse nothing: what enforcement would refuse is reported, not dropped. */
    MONITOR,
    /** Refuse every connection that no rule allows (default deny). */
    ENFORCE;

    /** The spelling used in policy files: {@code monitor} or {@code enforce}. */
    public String yamlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
