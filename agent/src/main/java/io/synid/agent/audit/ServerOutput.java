package io.synid.agent.audit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Forwards records to the identity server through an {@link AuditForwarder}. The server
 * deduplicates by sequence number, so redelivery after a crash or a lost answer never stores a
 * record twice; its acknowledgement drives the cursor (a partial acknowledgement resumes after
 * it, a lower one asks for records again, a higher one skips what the server already has).
 */
public final class ServerOutput implements AuditOutput {
  private final AuditForwarder forwarder;

  public ServerOutput(AuditForwarder forwarder) {
    this.forwarder = forwarder;
  }

  @Override
  public String name() {
    return "server";
  }

  @Override
  public boolean deduplicates() {
    return true;
  }

  /**
   * The identity server refuses a ForwardAudit call of more than 1000 records (INVALID_ARGUMENT,
   * {@code NodeService.MAX_RECORDS_PER_CALL}); a larger batch would be retried unchanged forever.
   */
  @Override
  public int maxBatchRecords() {
    return 1000;
  }

  @Override
  public long deliver(List<SpooledRecord> batch) throws IOException {
    List<String> json = new ArrayList<>(batch.size());
    for (SpooledRecord r : batch) {
      json.add(r.json());
    }
    return forwarder.forward(batch.get(0).seq(), json);
  }

  @Override
  public void close() {}
}
