package io.synid.server.datastore;

import io.synid.core.selector.Selector;
import java.util.List;

/**
 * An agent that attested. A banned node keeps its record with empty certificate serials (as
 * SPIRE does) until an operator deletes it.
 *
 * @param certNotAfter Unix seconds
 * @param newCertNotAfter Unix seconds; 0 when no renewal is pending
 */
public record AttestedNode(
    String spiffeId,
    String attestationType,
    String certSerial,
    long certNotAfter,
    String newCertSerial,
    long newCertNotAfter,
    boolean canReattest,
    String agentVersion,
    long createdAt,
    List<Selector> selectors) {

  public AttestedNode {
    selectors = List.copyOf(selectors);
  }

  public boolean banned() {
    return certSerial.isEmpty() && newCertSerial.isEmpty();
  }
}
