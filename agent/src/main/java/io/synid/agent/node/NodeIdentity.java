package io.synid.agent.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.synid.agent.AgentTerminatedException;
import io.synid.agent.audit.AuditSink;
import io.synid.agent.server.ServerApiException;
import io.synid.agent.server.ServerClient;
import io.synid.api.spire.types.PermissionDeniedDetails;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.nodeattestor.AgentNodeAttestor;
import io.synid.nodeattestor.AttestationException;
import java.io.IOException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The agent's node identity: attests the node, keeps the agent SVID on disk, renews it at half
 * its lifetime, and reacts to the server refusing it.
 *
 * <p>Refusals follow SPIRE's agent: a banned agent stops; an evicted, expired or unknown agent
 * attests again when its method allows it ({@code x509pop}: the node still holds its key) and
 * stops otherwise ({@code join_token}: the token was single use). Stopping is an
 * {@link AgentTerminatedException} whose message tells the operator what to do.
 */
public final class NodeIdentity {
  private static final Logger LOG = Logger.getLogger(NodeIdentity.class.getName());

  private final TrustDomain trustDomain;
  private final AgentSvidStore store;
  private final ServerClient client;
  private final Supplier<AgentNodeAttestor> attestors;
  private final boolean canReattest;
  private final Clock clock;
  private final AuditSink audit;
  private volatile AgentSvid current;

  /**
   * @param attestors builds the attestor for each attempt (x509pop reads its files each time)
   * @param canReattest whether the method can attest again after an eviction
   */
  public NodeIdentity(TrustDomain trustDomain, AgentSvidStore store, ServerClient client,
      Supplier<AgentNodeAttestor> attestors, boolean canReattest, Clock clock, AuditSink audit) {
    this.trustDomain = trustDomain;
    this.store = store;
    this.client = client;
    this.attestors = attestors;
    this.canReattest = canReattest;
    this.clock = clock;
    this.audit = audit;
  }

  /** The current agent SVID; null before {@link #establish}. */
  public AgentSvid current() {
    return current;
  }

  /**
   * Uses the stored SVID if it is still valid and of our trust domain, else attests.
   *
   * @throws ServerApiException when the server cannot be reached (retryable) or refused
   * @throws AgentTerminatedException when attestation was refused for good or stored state is bad
   */
  public AgentSvid establish() throws ServerApiException, AgentTerminatedException {
    Optional<AgentSvid> stored;
    try {
      stored = store.loadSvid();
    } catch (IOException e) {
      throw new AgentTerminatedException("the stored agent SVID is unusable (" + e.getMessage()
          + "); remove " + store.svidFile() + " to attest again", e);
    }
    if (stored.isPresent()) {
      AgentSvid svid = stored.get();
      if (!svid.spiffeId().startsWith("spiffe://" + trustDomain.name() + "/spire/agent/")) {
        throw new AgentTerminatedException("the stored agent SVID " + svid.spiffeId()
            + " is not an agent of " + trustDomain.name() + "; remove " + store.svidFile());
      }
      if (clock.instant().isBefore(svid.notAfter())) {
        LOG.info("using the stored agent SVID " + svid.spiffeId() + " (expires " + svid.notAfter() + ")");
        adopt(svid);
        return svid;
      }
      LOG.info("the stored agent SVID expired at " + svid.notAfter() + "; attesting again");
    }
    return attest();
  }

  /** Attests the node and adopts the new SVID. */
  public AgentSvid attest() throws ServerApiException, AgentTerminatedException {
    AgentNodeAttestor attestor = attestors.get();
    KeyPair key = KeyPairs.newEcP256();
    List<X509Certificate> chain;
    try {
      chain = client.attest(attestor, key);
    } catch (AttestationException e) {
      auditAttestation(attestor.name(), null, "failure", e.getMessage());
      throw new AgentTerminatedException("node attestation with " + attestor.name()
          + " failed on this side: " + e.getMessage(), e);
    } catch (ServerApiException e) {
      auditAttestation(attestor.name(), null, "failure", e.getMessage());
      if (e.retryable()) {
        throw e;
      }
      throw new AgentTerminatedException("the server refused node attestation with "
          + attestor.name() + ": " + e.getMessage() + hint(attestor.name()), e);
    }
    AgentSvid svid = new AgentSvid(key, chain);
    if (!svid.spiffeId().startsWith("spiffe://" + trustDomain.name() + "/spire/agent/")) {
      throw new AgentTerminatedException("the server issued " + svid.spiffeId()
          + ", which is not an agent ID of " + trustDomain.name());
    }
    persist(svid);
    adopt(svid);
    auditAttestation(attestor.name(), svid, "success", null);
    LOG.info("node attested with " + attestor.name() + " as " + svid.spiffeId());
    return svid;
  }

  private static String hint(String method) {
    return "join_token".equals(method)
        ? " (join tokens are single use and expire: generate a new one with `synid-server token generate`)"
        : "";
  }

  /** Renews the SVID if it is past half its lifetime. */
  public void renewIfDue() throws ServerApiException, AgentTerminatedException {
    AgentSvid svid = current;
    if (svid == null || clock.instant().isBefore(svid.renewAt())) {
      return;
    }
    KeyPair key = KeyPairs.newEcP256();
    AgentSvid renewed = new AgentSvid(key, client.renew(key));
    if (!renewed.spiffeId().equals(svid.spiffeId())) {
      throw new AgentTerminatedException("the server renewed the agent SVID as "
          + renewed.spiffeId() + " instead of " + svid.spiffeId());
    }
    persist(renewed);
    adopt(renewed);
    ObjectNode record = audit.newRecord("agent_svid_renewed");
    record.put("agent_id", renewed.spiffeId());
    record.put("serial", renewed.leaf().getSerialNumber().toString(16));
    record.put("expires_at", renewed.notAfter().toString());
    audit.record(record);
    LOG.info("agent SVID renewed; expires " + renewed.notAfter());
  }

  /**
   * Handles the server refusing this agent: attests again where possible.
   *
   * @throws AgentTerminatedException when the agent must stop
   */
  public void handleDenial(ServerApiException refusal)
      throws ServerApiException, AgentTerminatedException {
    PermissionDeniedDetails.Reason reason = refusal.denial().orElseThrow();
    String agentId = current == null ? "this agent" : current.spiffeId();
    ObjectNode record = audit.newRecord("agent_refused");
    record.put("agent_id", agentId);
    record.put("reason", reason.name());
    audit.record(record);
    if (reason == PermissionDeniedDetails.Reason.AGENT_BANNED) {
      throw new AgentTerminatedException(agentId + " is banned by the server; it stays refused"
          + " until an operator removes its record (`synid-server agent evict -spiffeID " + agentId
          + "`); then start it with a new attestation");
    }
    try {
      store.deleteSvid();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot remove the refused agent SVID", e);
    }
    if (!canReattest) {
      throw new AgentTerminatedException(agentId + " was refused by the server (" + reason
          + ": evicted, expired or unknown) and its attestation method cannot attest again;"
          + " generate a new join token and restart the agent with it");
    }
    LOG.warning(agentId + " was refused by the server (" + reason + "); attesting again");
    attest();
  }

  private void persist(AgentSvid svid) throws AgentTerminatedException {
    try {
      store.saveSvid(svid);
    } catch (IOException e) {
      throw new AgentTerminatedException("cannot save the agent SVID: " + e.getMessage(), e);
    }
  }

  private void adopt(AgentSvid svid) throws ServerApiException {
    current = svid;
    client.useAgentSvid(svid.key(), svid.chain());
  }

  private void auditAttestation(String method, AgentSvid svid, String outcome, String reason) {
    ObjectNode record = audit.newRecord("node_attestation");
    record.put("method", method);
    record.put("outcome", outcome);
    if (svid != null) {
      record.put("agent_id", svid.spiffeId());
      record.put("serial", svid.leaf().getSerialNumber().toString(16));
    }
    if (reason != null) {
      record.put("reason", reason);
    }
    audit.record(record);
  }
}
