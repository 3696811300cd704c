package io.synid.agent.audit;

import java.util.List;

/**
 * Sends spooled records to the identity server ({@code synid.api.node.v1.Node/ForwardAudit}).
 *
 * <p>Contract expected from the server: it stores records by (agent, sequence number), ignores
 * records it already has, and answers the highest sequence number up to which it holds every
 * record. The agent only ever skips numbers it dropped from its spool, and announces them with
 * an {@code audit_dropped} record; a request whose {@code firstSequence} is beyond what the
 * server holds therefore starts a new run after a known gap and must be accepted, not answered
 * with the old acknowledgement forever (the agent would then retry with backoff).
 */
public interface AuditForwarder {
  /**
   * Forwards {@code records} (JSON, consecutive sequence numbers from {@code firstSequence}).
   *
   * @return the server's acknowledged-through sequence number
   * @throws AuditForwardException when the call failed (unreachable, refused, timed out)
   */
  long forward(long firstSequence, List<String> records) throws AuditForwardException;
}
