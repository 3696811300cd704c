package io.synid.agent.audit;

/**
 * One record read back from the spool: its sequence number and its JSON text (one object, no
 * line break; {@code seq} inside equals {@link #seq}).
 */
public record SpooledRecord(long seq, String json) {}
