package io.synid.nodeattestor;

import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.SpiffeId;
import java.util.List;
import java.util.Objects;

/**
 * A successful attestation.
 *
 * @param agentId the agent's SPIFFE ID, derived from the attested evidence only
 * @param selectors node selectors for node-alias entries, in the attestor's order, no duplicates
 * @param canReattest whether the same evidence may attest the node again (SPIRE's
 *     {@code can_reattest}); a join token is single use, a certificate is not
 */
public record AttestationResult(SpiffeId agentId, List<Selector> selectors, boolean canReattest) {
  public AttestationResult {
    Objects.requireNonNull(agentId, "agentId");
    selectors = List.copyOf(selectors);
  }
}
