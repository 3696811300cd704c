package io.synid.agent.workload;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.synid.agent.audit.AuditSink;
import io.synid.agent.cache.AgentState;
import io.synid.agent.cache.AgentStateHolder;
import io.synid.agent.cache.StateListener;
import io.synid.agent.cache.WorkloadSvid;
import io.synid.agent.server.ServerApiException;
import io.synid.agent.server.ServerClient;
import io.synid.api.spire.types.JWTSVID;
import io.synid.api.workload.JWTBundlesRequest;
import io.synid.api.workload.JWTBundlesResponse;
import io.synid.api.workload.JWTSVIDRequest;
import io.synid.api.workload.JWTSVIDResponse;
import io.synid.api.workload.SpiffeWorkloadAPIGrpc;
import io.synid.api.workload.ValidateJWTSVIDRequest;
import io.synid.api.workload.ValidateJWTSVIDResponse;
import io.synid.api.workload.X509BundlesRequest;
import io.synid.api.workload.X509BundlesResponse;
import io.synid.api.workload.X509SVIDRequest;
import io.synid.api.workload.X509SVIDResponse;
import io.synid.core.bundle.BundleJson;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.jwt.InvalidJwtSvidException;
import io.synid.core.jwt.JwtSvidClaims;
import io.synid.core.jwt.JwtSvidValidator;
import io.synid.core.spiffeid.TrustDomain;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executor;

/**
 * The SPIFFE Workload API ({@code SpiffeWorkloadAPI}) with SPIRE's semantics.
 *
 * <ul>
 *   <li>Every call attests its caller ({@link CallerAttestor}); the caller's identities are the
 *       SVIDs of every entry whose selectors the caller has.
 *   <li>Streams send the full state at once and again on every change that affects the caller;
 *       a caller left without identity gets PermissionDenied ("no identity issued") and the
 *       stream ends. Before the agent's first sync with the server, streams wait instead.
 *   <li>{@code FetchJWTSVID}: InvalidArgument without an audience; JWT-SVIDs are cached
 *       (Caffeine) per entry and audience set until half their lifetime.
 *   <li>{@code ValidateJWTSVID} checks against our bundle and every federated bundle.
 *   <li>WIT-SVID methods answer Unimplemented (inherited).
 * </ul>
 *
 * <p>Every SVID handed to a workload is an audit record {@code workload_svid} with the pid,
 * executable, uid, selectors, SPIFFE ID and serial (X.509) or audience and expiry (JWT); never
 * the key or the token.
 */
public final class WorkloadApiService extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {
  static final String NO_IDENTITY = "no identity issued";

  private final CallerAttestor attestor;
  private final AgentStateHolder state;
  private final ServerClient server;
  private final AuditSink audit;
  private final Clock clock;
  private final Cache<JwtKey, JWTSVID> jwtSvids;
  private final X509Responses x509Responses = new X509Responses();
  private final ObjectMapper json = new ObjectMapper();

  private record JwtKey(String entryId, long revision, List<String> audience) {}

  private final boolean attestationMayBlock;

  public WorkloadApiService(io.synid.workloadattestor.WorkloadAttestation attestation,
      AgentStateHolder state, ServerClient server, AuditSink audit, Clock clock) {
    this.attestor = new CallerAttestor(attestation);
    this.attestationMayBlock = attestation.mayBlock();
    this.state = state;
    this.server = server;
    this.audit = audit;
    this.clock = clock;
    this.jwtSvids = Caffeine.newBuilder().maximumSize(100_000)
        .expireAfter(new Expiry<JwtKey, JWTSVID>() {
          @Override
          public long expireAfterCreate(JwtKey key, JWTSVID svid, long now) {
            return halfLifeNanos(svid);
          }

          @Override
          public long expireAfterUpdate(JwtKey key, JWTSVID svid, long now, long current) {
            return halfLifeNanos(svid);
          }

          @Override
          public long expireAfterRead(JwtKey key, JWTSVID svid, long now, long current) {
            return current;
          }
        }).build();
  }

  private long halfLifeNanos(JWTSVID svid) {
    Instant issued = Instant.ofEpochSecond(svid.getIssuedAt());
    Instant rotate = issued.plus(Duration.between(issued,
        Instant.ofEpochSecond(svid.getExpiresAt())).dividedBy(2));
    return Math.max(0, Duration.between(clock.instant(), rotate).toNanos());
  }

  /**
   * Where each call of this service runs, for {@code UnixSocketServer.start}: null (the socket's
   * I/O thread) for a call that cannot block, {@code blocking} for one that may.
   *
   * <p>{@code FetchJWTSVID} may wait for the server (a JWT-SVID not cached yet), so it always runs
   * on {@code blocking}. The other calls attest the caller, read the agent's state and write audit
   * records (a {@code write(2)} to the spool); they stay on the I/O thread unless attestation
   * {@linkplain io.synid.workloadattestor.WorkloadAttestation#mayBlock() may block} (an attestor
   * asking Docker or the kubelet, a digest of the executable, several attestors).
   */
  public ServerCallExecutorSupplier callExecutors(Executor blocking) {
    String jwtSvid = SpiffeWorkloadAPIGrpc.getFetchJWTSVIDMethod().getFullMethodName();
    return new ServerCallExecutorSupplier() {
      @Override
      public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
        if (attestationMayBlock
            || call.getMethodDescriptor().getFullMethodName().equals(jwtSvid)) {
          return blocking;
        }
        return null;
      }
    };
  }

  /** The handler for the X.509 streams' subscribers: builds a response or ends the stream. */
  private abstract static class Subscription<R> implements StateListener {
    final ServerCallStreamObserver<R> out;
    final AgentStateHolder holder;
    private Object lastSent;
    private boolean ended;

    Subscription(StreamObserver<R> out, AgentStateHolder holder) {
      this.out = (ServerCallStreamObserver<R>) out;
      this.holder = holder;
    }

    void start() {
      out.setOnCancelHandler(() -> holder.unsubscribe(this));
      holder.subscribe(this);
    }

    /** The response for {@code state}, or null when the caller has no identity. */
    abstract R response(AgentState state);

    /** Called after a response was sent. */
    void sent(R response) {}

    @Override
    public synchronized void stateChanged(AgentState s) {
      if (ended || !s.ready()) {
        return;
      }
      if (out.isCancelled()) {
        end();
        return;
      }
      R response;
      try {
        response = response(s);
      } catch (RuntimeException e) {
        end();
        out.onError(Status.UNAVAILABLE.withDescription("could not serialize response: "
            + e.getMessage()).asRuntimeException());
        return;
      }
      if (response == null) {
        end();
        out.onError(Status.PERMISSION_DENIED.withDescription(NO_IDENTITY).asRuntimeException());
        return;
      }
      if (response.equals(lastSent)) {
        return;
      }
      lastSent = response;
      try {
        out.onNext(response);
        sent(response);
      } catch (RuntimeException e) {
        end();
      }
    }

    private void end() {
      ended = true;
      holder.unsubscribe(this);
    }
  }

  @Override
  public void fetchX509SVID(X509SVIDRequest request, StreamObserver<X509SVIDResponse> out) {
    WorkloadCaller caller = attest(out);
    if (caller == null) {
      return;
    }
    Set<String> selectors = caller.selectorSet();
    Set<String> auditedSerials = new HashSet<>();
    new Subscription<X509SVIDResponse>(out, state) {
      private List<X509Responses.Delivered> latest = List.of();

      @Override
      X509SVIDResponse response(AgentState s) {
        X509Responses.Delivery delivery = x509Responses.forCaller(s, selectors);
        latest = delivery.svids();
        return delivery.response();
      }

      @Override
      void sent(X509SVIDResponse response) {
        List<ObjectNode> records = new ArrayList<>(latest.size());
        for (X509Responses.Delivered svid : latest) {
          if (auditedSerials.add(svid.serialHex())) {
            ObjectNode record = svidRecord(caller, svid.spiffeId(), "x509");
            record.put("serial", svid.serialHex());
            record.put("expires_at", svid.expiresAt());
            records.add(record);
          }
        }
        audit.recordAll(records);
      }
    }.start();
  }

  @Override
  public void fetchX509Bundles(X509BundlesRequest request, StreamObserver<X509BundlesResponse> out) {
    WorkloadCaller caller = attest(out);
    if (caller == null) {
      return;
    }
    Set<String> selectors = caller.selectorSet();
    new Subscription<X509BundlesResponse>(out, state) {
      @Override
      X509BundlesResponse response(AgentState s) {
        List<WorkloadSvid> svids = s.svidsFor(selectors);
        if (svids.isEmpty()) {
          return null;
        }
        X509BundlesResponse.Builder response = X509BundlesResponse.newBuilder()
            .putBundles(idOf(s.bundle().trustDomain().name()),
                X509Responses.der(s.bundle().x509Authorities()));
        s.federatedFor(svids).forEach((name, b) ->
            response.putBundles(idOf(name), X509Responses.der(b.x509Authorities())));
        return response.build();
      }
    }.start();
  }

  @Override
  public void fetchJWTBundles(JWTBundlesRequest request, StreamObserver<JWTBundlesResponse> out) {
    WorkloadCaller caller = attest(out);
    if (caller == null) {
      return;
    }
    Set<String> selectors = caller.selectorSet();
    new Subscription<JWTBundlesResponse>(out, state) {
      @Override
      JWTBundlesResponse response(AgentState s) {
        List<WorkloadSvid> svids = s.svidsFor(selectors);
        if (svids.isEmpty()) {
          return null;
        }
        JWTBundlesResponse.Builder response = JWTBundlesResponse.newBuilder()
            .putBundles(idOf(s.bundle().trustDomain().name()), jwks(s.bundle()));
        s.federatedFor(svids).forEach((name, b) -> response.putBundles(idOf(name), jwks(b)));
        return response.build();
      }
    }.start();
  }

  @Override
  public void fetchJWTSVID(JWTSVIDRequest request, StreamObserver<JWTSVIDResponse> out) {
    if (request.getAudienceCount() == 0) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("audience must be specified")
          .asRuntimeException());
      return;
    }
    WorkloadCaller caller = attest(out);
    if (caller == null) {
      return;
    }
    List<WorkloadSvid> held = state.current().svidsFor(caller.selectorSet());
    List<WorkloadSvid> chosen = new ArrayList<>();
    for (WorkloadSvid svid : held) {
      String id = AgentState.spiffeId(svid.entry());
      if (request.getSpiffeId().isEmpty() || request.getSpiffeId().equals(id)) {
        chosen.add(svid);
      }
    }
    if (chosen.isEmpty()) {
      out.onError(Status.PERMISSION_DENIED.withDescription(NO_IDENTITY).asRuntimeException());
      return;
    }
    List<String> audience = List.copyOf(new TreeSet<>(request.getAudienceList()));
    JWTSVIDResponse.Builder response = JWTSVIDResponse.newBuilder();
    List<ObjectNode> records = new ArrayList<>();
    for (WorkloadSvid svid : chosen) {
      String id = AgentState.spiffeId(svid.entry());
      JWTSVID token;
      try {
        token = jwtSvid(svid, request.getAudienceList(), audience);
      } catch (ServerApiException e) {
        out.onError(Status.UNAVAILABLE.withDescription("could not fetch \"" + id + "\" JWT-SVID: "
            + e.getMessage()).asRuntimeException());
        return;
      }
      response.addSvids(io.synid.api.workload.JWTSVID.newBuilder().setSpiffeId(id)
          .setSvid(token.getToken()).setHint(svid.entry().getHint()));
      ObjectNode record = svidRecord(caller, id, "jwt");
      ArrayNode aud = record.putArray("audience");
      request.getAudienceList().forEach(aud::add);
      record.put("expires_at", Instant.ofEpochSecond(token.getExpiresAt()).toString());
      records.add(record);
    }
    // Audited only once every token was obtained: a failed call hands out none of them.
    records.forEach(audit::record);
    out.onNext(response.build());
    out.onCompleted();
  }

  private JWTSVID jwtSvid(WorkloadSvid svid, List<String> requested, List<String> key)
      throws ServerApiException {
    JwtKey cacheKey = new JwtKey(svid.entry().getId(), svid.entry().getRevisionNumber(), key);
    JWTSVID cached = jwtSvids.getIfPresent(cacheKey);
    if (cached != null) {
      return cached;
    }
    JWTSVID fresh = server.newJwtSvid(svid.entry().getId(), requested);
    jwtSvids.put(cacheKey, fresh);
    return fresh;
  }

  @Override
  public void validateJWTSVID(ValidateJWTSVIDRequest request,
      StreamObserver<ValidateJWTSVIDResponse> out) {
    if (request.getAudience().isEmpty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("audience must be specified")
          .asRuntimeException());
      return;
    }
    if (request.getSvid().isEmpty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("svid must be specified")
          .asRuntimeException());
      return;
    }
    if (attest(out) == null) {
      return;
    }
    AgentState s = state.current();
    Map<String, TrustBundle> bundles = new HashMap<>(s.federated());
    bundles.put(s.bundle().trustDomain().name(), s.bundle());
    JwtSvidClaims claims;
    try {
      claims = JwtSvidValidator.validate(request.getSvid(), (TrustDomain td) -> {
        TrustBundle bundle = bundles.get(td.name());
        return bundle == null ? Map.<String, PublicKey>of() : bundle.jwtKeysById();
      }, request.getAudience(), clock.instant());
    } catch (InvalidJwtSvidException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    Struct.Builder struct = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(json.writeValueAsString(new TreeMap<>(claims.claims())), struct);
    } catch (Exception e) {
      out.onError(Status.INTERNAL.withDescription("cannot convert the claims: " + e.getMessage())
          .asRuntimeException());
      return;
    }
    out.onNext(ValidateJWTSVIDResponse.newBuilder().setSpiffeId(claims.subject().toString())
        .setClaims(struct).build());
    out.onCompleted();
  }

  /** Attests the caller, or ends the call with the failure and returns null. */
  private WorkloadCaller attest(StreamObserver<?> out) {
    try {
      return attestor.attestCurrentCaller();
    } catch (StatusException e) {
      out.onError(e);
      return null;
    }
  }

  private ObjectNode svidRecord(WorkloadCaller caller, String spiffeId, String kind) {
    ObjectNode record = audit.newRecord("workload_svid");
    record.put("kind", kind);
    record.put("spiffe_id", spiffeId);
    record.put("pid", caller.pid());
    record.put("uid", caller.uid());
    record.put("executable", caller.executable());
    ArrayNode selectors = record.putArray("selectors");
    caller.selectors().forEach(selectors::add);
    return record;
  }

  private static String idOf(String trustDomainName) {
    return "spiffe://" + trustDomainName;
  }

  private static ByteString jwks(TrustBundle bundle) {
    return ByteString.copyFromUtf8(BundleJson.encodeJwks(bundle.jwtAuthorities()));
  }

}
