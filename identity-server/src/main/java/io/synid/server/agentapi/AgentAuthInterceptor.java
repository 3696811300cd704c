package io.synid.server.agentapi;

import com.google.protobuf.Any;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.synid.api.spire.types.PermissionDeniedDetails;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.server.datastore.AttestedNode;
import io.synid.server.datastore.NodeStore;
import io.synid.server.ca.CertificateAuthority;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.Certificate;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Authenticates agents on every call except the methods that need no client certificate
 * ({@code AttestAgent}, {@code GetBundle}).
 *
 * <p>The TLS layer only asks for a client certificate; this interceptor decides, per call,
 * because connections live longer than certificates and the trust bundle changes while they are
 * open. A call is allowed when the client chain verifies against the current bundle of our trust
 * domain, its leaf's SPIFFE ID is {@code spiffe://<td>/spire/agent/...}, it has not expired, and
 * its serial is the attested node's current serial or its pending ("new") one, in which case the
 * pending one becomes current (SPIRE's rules and messages). Refusals are PERMISSION_DENIED with a
 * {@code spire.api.types.PermissionDeniedDetails} detail whose reason tells a spire-agent whether
 * to re-attest (expired, not attested, not active) or to stop (banned).
 */
final class AgentAuthInterceptor implements ServerInterceptor {
  /** The caller's remote address, for audit records; set on every call. */
  static final Context.Key<String> REMOTE_ADDRESS = Context.key("synid-remote-address");

  private final CertificateAuthority ca;
  private final NodeStore nodes;
  private final TrustDomain trustDomain;
  private final Clock clock;
  private final Set<String> openMethods;
  /**
   * Chains that verified, with the bundle roots they verified against and the end of their
   * shortest validity: an agent's calls (hundreds per sync on a busy node) repeat the same chain,
   * and path validation is the most expensive part of a call. A different bundle or a later
   * time verifies again; the node checks (banned, evicted, serial) run on every call.
   */
  private final Map<List<X509Certificate>, Verified> verified = new ConcurrentHashMap<>();

  private record Verified(List<X509Certificate> roots, Instant until) {}

  /** Bounds the verified-chain cache; past it the cache starts over. */
  private static final int MAX_VERIFIED_CHAINS = 16_384;

  AgentAuthInterceptor(CertificateAuthority ca, NodeStore nodes, TrustDomain trustDomain,
      Clock clock, Set<String> openMethods) {
    this.ca = ca;
    this.nodes = nodes;
    this.trustDomain = trustDomain;
    this.clock = clock;
    this.openMethods = Set.copyOf(openMethods);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Context context = Context.current().withValue(REMOTE_ADDRESS,
        String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
    if (openMethods.contains(call.getMethodDescriptor().getFullMethodName())) {
      return Contexts.interceptCall(context, call, headers, next);
    }
    AgentCaller caller;
    try {
      caller = authenticate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    } catch (StatusRuntimeException e) {
      call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(context.withValue(AgentCaller.KEY, caller), call, headers, next);
  }

  AgentCaller authenticate(SSLSession session) {
    List<X509Certificate> chain = peerChain(session);
    if (chain.isEmpty()) {
      throw Status.UNAUTHENTICATED.withDescription("agent SVID is required for this request")
          .asRuntimeException();
    }
    X509Certificate leaf = chain.get(0);
    SpiffeId id = agentId(leaf);
    Instant now = clock.instant();
    if (now.isAfter(leaf.getNotAfter().toInstant())) {
      throw denied(PermissionDeniedDetails.Reason.AGENT_EXPIRED,
          "agent \"" + id + "\" SVID is expired");
    }
    verifyChain(chain, now);
    Optional<AttestedNode> node = nodes.get(id.toString());
    String serial = leaf.getSerialNumber().toString();
    if (node.isEmpty()) {
      throw denied(PermissionDeniedDetails.Reason.AGENT_NOT_ATTESTED,
          "agent \"" + id + "\" is not attested");
    }
    AttestedNode n = node.get();
    if (n.certSerial().isEmpty()) {
      throw denied(PermissionDeniedDetails.Reason.AGENT_BANNED, "agent \"" + id + "\" is banned");
    }
    if (n.certSerial().equals(serial)) {
      return new AgentCaller(id, n);
    }
    if (n.newCertSerial().equals(serial) && nodes.activateNewSerial(id.toString(), serial)) {
      return new AgentCaller(id, nodes.get(id.toString()).orElse(n));
    }
    throw denied(PermissionDeniedDetails.Reason.AGENT_NOT_ACTIVE, "agent \"" + id
        + "\" expected to have serial number \"" + n.certSerial() + "\"; has \"" + serial + "\"");
  }

  private static List<X509Certificate> peerChain(SSLSession session) {
    if (session == null) {
      return List.of();
    }
    try {
      List<X509Certificate> chain = new ArrayList<>();
      for (Certificate c : session.getPeerCertificates()) {
        chain.add((X509Certificate) c);
      }
      return chain;
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }

  private SpiffeId agentId(X509Certificate leaf) {
    List<String> uris = new ArrayList<>();
    try {
      Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(6).equals(san.get(0))) {
            uris.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (java.security.cert.CertificateParsingException e) {
      throw Status.UNAUTHENTICATED.withDescription("malformed client certificate")
          .asRuntimeException();
    }
    if (uris.size() != 1) {
      throw Status.UNAUTHENTICATED.withDescription(
          "client certificate must have exactly one URI SAN").asRuntimeException();
    }
    try {
      SpiffeId id = SpiffeId.parse(uris.get(0));
      if (!id.isMemberOf(trustDomain) || !id.path().startsWith("/spire/agent/")) {
        throw Status.PERMISSION_DENIED.withDescription("caller \"" + id + "\" is not an agent")
            .asRuntimeException();
      }
      return id;
    } catch (io.synid.core.spiffeid.InvalidSpiffeIdException e) {
      throw Status.UNAUTHENTICATED.withDescription("client certificate URI SAN is not a SPIFFE ID")
          .asRuntimeException();
    }
  }

  private void verifyChain(List<X509Certificate> chain, Instant now) {
    List<X509Certificate> roots;
    try {
      roots = ca.bundle().x509Authorities();
    } catch (Exception e) {
      throw Status.UNAVAILABLE.withDescription("trust bundle unavailable: " + e.getMessage())
          .asRuntimeException();
    }
    Verified known = verified.get(chain);
    if (known != null && known.roots().equals(roots) && now.isBefore(known.until())) {
      return;
    }
    try {
      Set<TrustAnchor> anchors = new HashSet<>();
      for (X509Certificate root : roots) {
        anchors.add(new TrustAnchor(root, null));
      }
      // A chain that carries a root of the bundle ends at that anchor: the path stops before it.
      List<X509Certificate> path = new ArrayList<>();
      for (X509Certificate c : chain) {
        if (roots.contains(c)) {
          break;
        }
        path.add(c);
      }
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(now));
      CertPathValidator.getInstance("PKIX").validate(
          CertificateFactory.getInstance("X.509").generateCertPath(path), params);
      Instant until = path.stream().map(c -> c.getNotAfter().toInstant()).min(Instant::compareTo)
          .orElse(now);
      if (verified.size() >= MAX_VERIFIED_CHAINS) {
        verified.clear();
      }
      verified.put(List.copyOf(chain), new Verified(roots, until));
    } catch (Exception e) {
      throw Status.UNAUTHENTICATED.withDescription(
          "client certificate does not verify against the trust bundle: " + e.getMessage())
          .asRuntimeException();
    }
  }

  private static StatusRuntimeException denied(PermissionDeniedDetails.Reason reason,
      String message) {
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
        .setCode(Status.Code.PERMISSION_DENIED.value())
        .setMessage(message)
        .addDetails(Any.pack(PermissionDeniedDetails.newBuilder().setReason(reason).build()))
        .build();
    return StatusProto.toStatusRuntimeException(status);
  }
}
