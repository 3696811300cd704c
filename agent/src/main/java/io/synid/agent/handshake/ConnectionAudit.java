package io.synid.agent.handshake;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.synid.agent.audit.AuditSink;
import io.synid.api.node.v1.Flow;
import io.synid.handshake.HandshakeEvent;
import io.synid.handshake.Reason;
import io.synid.policy.compile.CidrEntry;
import io.synid.policy.compile.CidrKey;
import io.synid.policy.compile.VerdictEntry;
import io.synid.policy.compile.VerdictKey;
import io.synid.policy.model.Mode;
import io.synid.policy.model.RuleId;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Turns every kernel decision into a {@code connection} audit record (the shape of
 * ARCHITECTURE.md: node, direction, src/dst with SPIFFE IDs, verdict, deciding reason, mode,
 * policy version) and counts inbound decisions into flows (source, destination, port) that the
 * agent reports to the server as deltas.
 *
 * <p>The kernel reports reasons, not rules: the deciding rule is found in the compiled tables
 * the agent installed ({@link DatapathView}), as the datapath's own lookup does it.
 */
final class ConnectionAudit {
  private final AuditSink audit;
  private final Supplier<DatapathView> view;
  private final Clock clock;
  private final Map<FlowKey, FlowCounts> flows = new HashMap<>();

  private record FlowKey(String source, String sourceAddress, String destination, int port) {}

  private static final class FlowCounts {
    long allowed;
    long denied;
    long wouldDeny;
    long firstSeen;
    long lastSeen;
  }

  ConnectionAudit(AuditSink audit, Supplier<DatapathView> view, Clock clock) {
    this.audit = audit;
    this.view = view;
    this.clock = clock;
  }

  /** Records one decision; called on the datapath's event thread. */
  void onEvent(HandshakeEvent event) {
    if (event.kind() == HandshakeEvent.Kind.NO_SPACE) {
      ObjectNode record = audit.newRecord("handshake_no_space");
      record.put("cgroup_id", event.cgroupId());
      record.put("pid", event.pid());
      audit.record(record);
      return;
    }
    DatapathView v = view.get();
    boolean inbound = event.kind() == HandshakeEvent.Kind.SYN;
    LocalWorkload local = v.workloads().get(event.cgroupId());
    String localId = local != null ? local.spiffeId() : v.identitiesByHandle().get(event.localIdent());
    String peerId = authenticated(event.reason()) ? v.spiffeIdsByIdentity().get(event.peerIdentity())
        : null;
    int port = inbound ? event.localPort() : event.peerPort();

    ObjectNode record = audit.newRecord("connection");
    record.put("node", v.agentId());
    record.put("direction", inbound ? "inbound" : "outbound");
    endpoint(record.putObject("src"), inbound ? event.peerAddress() : event.localAddress(),
        inbound ? event.peerPort() : event.localPort(), inbound ? peerId : localId,
        inbound ? 0 : event.pid());
    endpoint(record.putObject("dst"), inbound ? event.localAddress() : event.peerAddress(),
        port, inbound ? localId : peerId, inbound ? event.pid() : 0);
    String verdict = switch (event.action()) {
      case ALLOW -> "allowed";
      case DENY -> "denied";
      case WOULD_DENY -> "allowed";
    };
    record.put("verdict", verdict);
    if (event.action() == HandshakeEvent.Action.WOULD_DENY) {
      record.put("would_deny", true);
    }
    record.put("reason", reason(event, v, inbound, port));
    Mode mode = v.modes().get(event.cgroupId());
    record.put("mode", mode == null ? "enforce" : mode.yamlName());
    record.put("policy_version", v.policyVersion());
    record.put("key_epoch", event.keyId());
    audit.record(record);

    if (inbound && localId != null) {
      count(new FlowKey(peerId == null ? "" : peerId,
          peerId == null ? event.peerAddress().getHostAddress() : "", localId, port),
          event.action());
    }
  }

  private static boolean authenticated(Reason reason) {
    return reason == Reason.OK || reason == Reason.DENIED_PAIR || reason == Reason.DENIED_PORT;
  }

  private static void endpoint(ObjectNode node, InetAddress ip, int port, String spiffeId, int pid) {
    node.put("ip", ip.getHostAddress());
    node.put("port", port);
    if (spiffeId != null) {
      node.put("spiffe_id", spiffeId);
    }
    if (pid > 0) {
      node.putObject("process").put("pid", pid);
    }
  }

  /** The audit reason: the deciding rule, or what the kernel found wrong (ARCHITECTURE.md names). */
  static String reason(HandshakeEvent event, DatapathView v, boolean inbound, int port) {
    return switch (event.reason()) {
      case OK, DENIED_PAIR, DENIED_PORT -> {
        int src = inbound ? event.peerIdentity() : identityOf(v, event.localIdent());
        int dst = inbound ? identityOf(v, event.localIdent()) : event.peerIdentity();
        yield rule(v.tables().verdicts().get(new VerdictKey(src, dst, port)))
            .or(() -> rule(v.tables().verdicts().get(new VerdictKey(src, dst, VerdictKey.ANY_PORT))))
            .map(RuleId::toString)
            .orElse(event.reason() == Reason.OK ? "allowed" : "default-deny");
      }
      case UNAUTH_ALLOWED -> cidrRule(v, event, inbound).map(RuleId::toString)
          .orElse("unauthenticated-allowed");
      case MISSING_OPTION -> "no-identity";
      case BAD_TAG -> "bad-mac";
      case BAD_EPOCH, STALE_TS -> "stale-key";
      case UNKNOWN_IDENT -> "unknown-identity";
      case NOT_HOSTED -> "identity-not-on-node";
      case MALFORMED -> "malformed-option";
      case BAD_ROLE -> "bad-role";
      case NO_SPACE -> "no-space";
    };
  }

  private static int identityOf(DatapathView v, int handle) {
    return v.identityNumbersByHandle().getOrDefault(handle, -1);
  }

  private static Optional<RuleId> rule(VerdictEntry entry) {
    return entry == null ? Optional.empty() : entry.rule();
  }

  private static Optional<RuleId> cidrRule(DatapathView v, HandshakeEvent event, boolean inbound) {
    int dst = identityOf(v, event.localIdent());
    CidrKey best = null;
    for (CidrKey key : v.tables().cidrRules().keySet()) {
      if (key.destination() == dst && key.cidr().contains(event.peerAddress())
          && (best == null || key.cidr().prefixLength() > best.cidr().prefixLength())) {
        best = key;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    CidrEntry entry = v.tables().cidrRules().get(best);
    return entry.rule();
  }

  private synchronized void count(FlowKey key, HandshakeEvent.Action action) {
    long now = clock.instant().getEpochSecond();
    FlowCounts counts = flows.computeIfAbsent(key, k -> {
      FlowCounts c = new FlowCounts();
      c.firstSeen = now;
      return c;
    });
    counts.lastSeen = now;
    switch (action) {
      case ALLOW -> counts.allowed++;
      case DENY -> counts.denied++;
      case WOULD_DENY -> counts.wouldDeny++;
    }
  }

  /** Takes the flow deltas counted since the previous call. */
  synchronized List<Flow> drainFlows() {
    List<Flow> out = new ArrayList<>(flows.size());
    flows.forEach((k, c) -> out.add(Flow.newBuilder().setSourceSpiffeId(k.source())
        .setSourceAddress(k.sourceAddress()).setDestinationSpiffeId(k.destination())
        .setPort(k.port()).setAllowed(c.allowed).setDenied(c.denied).setWouldDeny(c.wouldDeny)
        .setFirstSeen(c.firstSeen).setLastSeen(c.lastSeen).build()));
    flows.clear();
    return out;
  }

  /** Puts back deltas that could not be reported, so the next report carries them. */
  synchronized void restore(List<Flow> unreported) {
    for (Flow f : unreported) {
      FlowCounts c = flows.computeIfAbsent(new FlowKey(f.getSourceSpiffeId(), f.getSourceAddress(),
          f.getDestinationSpiffeId(), f.getPort()), k -> {
            FlowCounts fresh = new FlowCounts();
            fresh.firstSeen = f.getFirstSeen();
            return fresh;
          });
      c.allowed += f.getAllowed();
      c.denied += f.getDenied();
      c.wouldDeny += f.getWouldDeny();
      c.firstSeen = Math.min(c.firstSeen, f.getFirstSeen());
      c.lastSeen = Math.max(c.lastSeen, f.getLastSeen());
    }
  }
}
