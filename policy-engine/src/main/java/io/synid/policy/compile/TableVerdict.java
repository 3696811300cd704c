package io.synid.policy.compile;

/** A verdict map value: the datapath's ALLOW (1) and DENY (2). */
public enum TableVerdict {
    ALLOW,
    DENY
}
