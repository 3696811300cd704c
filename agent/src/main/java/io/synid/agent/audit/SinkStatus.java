package io.synid.agent.audit;

/**
 * One sink's progress.
 *
 * @param deliveredThrough the last sequence number delivered (or dropped) by this sink
 * @param savedThrough the cursor saved on disk (where a restart resumes, at the latest)
 * @param dropped records this sink lost to the spool's size bound since start
 * @param failures failed delivery attempts since start
 * @param lastError the last failure's message, or null
 */
public record SinkStatus(String name, long deliveredThrough, long savedThrough, long dropped,
    long failures, String lastError) {}
