package io.synid.agent.server;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.AgentX509SVIDParams;
import io.synid.api.spire.server.agent.v1.AttestAgentRequest;
import io.synid.api.spire.server.agent.v1.AttestAgentResponse;
import io.synid.api.spire.server.agent.v1.RenewAgentRequest;
import io.synid.api.spire.server.bundle.v1.BundleGrpc;
import io.synid.api.spire.server.bundle.v1.GetBundleRequest;
import io.synid.api.spire.server.bundle.v1.GetFederatedBundleRequest;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesRequest;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesResponse;
import io.synid.api.spire.server.entry.v1.EntryRevision;
import io.synid.api.spire.server.svid.v1.BatchNewX509SVIDRequest;
import io.synid.api.spire.server.svid.v1.BatchNewX509SVIDResponse;
import io.synid.api.spire.server.svid.v1.NewJWTSVIDRequest;
import io.synid.api.spire.server.svid.v1.NewX509SVIDParams;
import io.synid.api.spire.server.svid.v1.SVIDGrpc;
import io.synid.api.spire.types.AttestationData;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.JWTSVID;
import io.synid.api.transport.SingleKeyManager;
import io.synid.api.spire.types.X509SVID;
import io.synid.api.transport.SpiffeServerTrustManager;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.Csr;
import io.synid.core.x509.InvalidPemException;
import io.synid.core.x509.Pem;
import io.synid.nodeattestor.AgentNodeAttestor;
import io.synid.nodeattestor.AttestationException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The agent's client of the server's agent API (SPIRE's {@code spire.api.server.*.v1} services),
 * usable against Synid's identity server and a SPIRE server alike.
 *
 * <p>The server must present {@code spiffe://<td>/spire/server} chaining to the roots supplied at
 * construction (the bootstrap bundle, then the agent's current bundle). Calls other than
 * attestation use mTLS with the agent SVID set by {@link #useAgentSvid}; the channel is rebuilt
 * when the SVID changes because a TLS context's key material is fixed. Every call has a deadline.
 * Thread-safe.
 */
public final class ServerClient implements AutoCloseable, io.synid.agent.handshake.NodeApi {
  /** SPIRE's page size: more revisions than this and the agent asks for changed entries by ID. */
  static final int MAX_IDS_PER_REQUEST = 500;
  private static final long DEADLINE_SECONDS = 30;

  private final String host;
  private final int port;
  private final SpiffeServerTrustManager trust;
  private final ManagedChannel anonymous;
  private volatile ManagedChannel authenticated;

  public ServerClient(String host, int port, TrustDomain trustDomain,
      Supplier<? extends Collection<X509Certificate>> roots) throws ServerApiException {
    this.host = host;
    this.port = port;
    this.trust = new SpiffeServerTrustManager(roots, "spiffe://" + trustDomain.name() + "/spire/server");
    this.anonymous = channel(GrpcSslContexts.forClient().trustManager(trust));
  }

  private ManagedChannel channel(SslContextBuilder ssl) throws ServerApiException {
    SslContext context;
    try {
      context = ssl.protocols("TLSv1.3", "TLSv1.2").build();
    } catch (javax.net.ssl.SSLException e) {
      throw new ServerApiException("cannot set up TLS to the server: " + e.getMessage(), e, false);
    }
    // The node directory is one message (every node key and identity binding of the trust
    // domain): about 100 bytes per binding, so gRPC's default 4 MiB would cap a fleet at some
    // 40,000 bindings.
    return NettyChannelBuilder.forAddress(host, port).sslContext(context)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES).build();
  }

  /** Largest message accepted from the server (64 MiB; see the node directory). */
  static final int MAX_MESSAGE_BYTES = 64 << 20;

  /** Uses {@code chain} (leaf first) and its key for every authenticated call from now on. */
  public synchronized void useAgentSvid(KeyPair key, List<X509Certificate> chain)
      throws ServerApiException {
    ManagedChannel old = authenticated;
    authenticated = channel(GrpcSslContexts.forClient().trustManager(trust)
        .keyManager(new SingleKeyManager(key.getPrivate(), chain)));
    if (old != null) {
      old.shutdown();
    }
  }

  /** The mTLS channel with the current agent SVID, or null before the agent has one. */
  public ManagedChannel agentChannel() {
    return authenticated;
  }

  private ManagedChannel authenticated() throws ServerApiException {
    ManagedChannel channel = authenticated;
    if (channel == null) {
      throw new ServerApiException("the agent has no SVID yet", null, false);
    }
    return channel;
  }

  /**
   * Runs {@code AttestAgent} to the end: sends the attestor's payload with a CSR for {@code key},
   * answers every challenge, and returns the agent SVID chain (leaf first).
   */
  public List<X509Certificate> attest(AgentNodeAttestor attestor, KeyPair key)
      throws ServerApiException, AttestationException {
    byte[] payload = attestor.payload();
    CompletableFuture<AttestAgentResponse.Result> done = new CompletableFuture<>();
    AttestationConversation conversation = new AttestationConversation(attestor, done);
    StreamObserver<AttestAgentRequest> requests = AgentGrpc.newStub(anonymous)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).attestAgent(conversation);
    conversation.requests = requests;
    requests.onNext(AttestAgentRequest.newBuilder().setParams(AttestAgentRequest.Params.newBuilder()
        .setData(AttestationData.newBuilder().setType(attestor.name())
            .setPayload(ByteString.copyFrom(payload)))
        .setParams(AgentX509SVIDParams.newBuilder().setCsr(ByteString.copyFrom(Csr.create(key)))))
        .build());
    AttestAgentResponse.Result result;
    try {
      result = done.get(DEADLINE_SECONDS + 5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AttestationException ae) {
        throw ae;
      }
      throw ServerApiException.of("node attestation", e.getCause());
    } catch (TimeoutException e) {
      requests.onError(io.grpc.Status.CANCELLED.asRuntimeException());
      throw new ServerApiException("node attestation timed out", e, true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerApiException("node attestation interrupted", e, true);
    }
    return chain(result.getSvid(), "agent SVID");
  }

  /** Renews the agent SVID for {@code key} ({@code RenewAgent}). */
  public List<X509Certificate> renew(KeyPair key) throws ServerApiException {
    try {
      X509SVID svid = AgentGrpc.newBlockingStub(authenticated())
          .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .renewAgent(RenewAgentRequest.newBuilder().setParams(AgentX509SVIDParams.newBuilder()
              .setCsr(ByteString.copyFrom(Csr.create(key)))).build()).getSvid();
      return chain(svid, "renewed agent SVID");
    } catch (RuntimeException e) {
      throw ServerApiException.of("agent SVID renewal", e);
    }
  }

  /** Our trust domain's bundle ({@code GetBundle}). */
  public TrustBundle bundle() throws ServerApiException {
    try {
      return ServerBundles.fromProto(BundleGrpc.newBlockingStub(authenticated())
          .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .getBundle(GetBundleRequest.getDefaultInstance()));
    } catch (RuntimeException e) {
      throw ServerApiException.of("fetching the bundle", e);
    }
  }

  /** A federated trust domain's bundle, or empty if the server has none. */
  public Optional<TrustBundle> federatedBundle(TrustDomain td) throws ServerApiException {
    try {
      return Optional.of(ServerBundles.fromProto(BundleGrpc.newBlockingStub(authenticated())
          .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .getFederatedBundle(GetFederatedBundleRequest.newBuilder()
              .setTrustDomain(td.name()).build())));
    } catch (RuntimeException e) {
      if (io.grpc.Status.fromThrowable(e).getCode() == io.grpc.Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw ServerApiException.of("fetching the bundle of " + td.name(), e);
    }
  }

  /**
   * Brings {@code cached} (entry ID to entry) up to date with {@code SyncAuthorizedEntries}: a
   * small set arrives whole; a large one arrives as revisions, and only entries that are new or
   * whose revision changed are requested in full.
   *
   * @return the authorized entries now, by ID (a new map; {@code cached} is not modified)
   */
  public Map<String, Entry> syncEntries(Map<String, Entry> cached) throws ServerApiException {
    EntrySync sync = new EntrySync(cached);
    StreamObserver<SyncAuthorizedEntriesRequest> requests;
    try {
      requests = EntryGrpc.newStub(authenticated())
          .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).syncAuthorizedEntries(sync);
    } catch (RuntimeException e) {
      throw ServerApiException.of("entry sync", e);
    }
    sync.requests = requests;
    requests.onNext(SyncAuthorizedEntriesRequest.getDefaultInstance());
    try {
      return sync.result.get(DEADLINE_SECONDS + 5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw ServerApiException.of("entry sync", e.getCause());
    } catch (TimeoutException e) {
      requests.onError(io.grpc.Status.CANCELLED.asRuntimeException());
      throw new ServerApiException("entry sync timed out", e, true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerApiException("entry sync interrupted", e, true);
    }
  }

  /** Signs X509-SVIDs in one batch; results are in request order, each with its own status. */
  public List<BatchNewX509SVIDResponse.Result> newX509Svids(List<NewX509SVIDParams> params)
      throws ServerApiException {
    try {
      return SVIDGrpc.newBlockingStub(authenticated())
          .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .batchNewX509SVID(BatchNewX509SVIDRequest.newBuilder().addAllParams(params).build())
          .getResultsList();
    } catch (RuntimeException e) {
      throw ServerApiException.of("X509-SVID batch", e);
    }
  }

  /** Signs a JWT-SVID for an authorized entry. */
  public JWTSVID newJwtSvid(String entryId, List<String> audience) throws ServerApiException {
    try {
      return SVIDGrpc.newBlockingStub(authenticated())
          .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .newJWTSVID(NewJWTSVIDRequest.newBuilder().setEntryId(entryId).addAllAudience(audience)
              .build()).getSvid();
    } catch (RuntimeException e) {
      throw ServerApiException.of("JWT-SVID request", e);
    }
  }

  // ---- Synid's additions (synid.api.node.v1.Node): handshake keys, handles, policies, flows ----

  private io.synid.api.node.v1.NodeGrpc.NodeBlockingStub node() throws ServerApiException {
    return io.synid.api.node.v1.NodeGrpc.newBlockingStub(authenticated())
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** Registers this node's X25519 handshake public key; returns the node's index. */
  @Override
  public int registerHandshakeKey(byte[] publicKey, List<String> addresses)
      throws ServerApiException {
    try {
      return node().registerHandshakeKey(io.synid.api.node.v1.RegisterHandshakeKeyRequest
          .newBuilder().setX25519PublicKey(ByteString.copyFrom(publicKey))
          .addAllAddresses(addresses).build()).getNodeIndex();
    } catch (RuntimeException e) {
      throw ServerApiException.of("handshake key registration", e);
    }
  }

  /** Identity handles for SPIFFE IDs this agent hosts; per-item results in request order. */
  @Override
  public List<io.synid.api.node.v1.AllocateHandlesResponse.Result> allocateHandles(
      Collection<String> spiffeIds) throws ServerApiException {
    try {
      return node().allocateHandles(io.synid.api.node.v1.AllocateHandlesRequest.newBuilder()
          .addAllSpiffeIds(spiffeIds).build()).getResultsList();
    } catch (RuntimeException e) {
      throw ServerApiException.of("identity handle allocation", e);
    }
  }

  /** The node directory, or an "unchanged" answer when {@code knownRevision} is current. */
  @Override
  public io.synid.api.node.v1.GetDirectoryResponse directory(long knownRevision)
      throws ServerApiException {
    try {
      return node().getDirectory(io.synid.api.node.v1.GetDirectoryRequest.newBuilder()
          .setKnownRevision(knownRevision).build());
    } catch (RuntimeException e) {
      throw ServerApiException.of("fetching the node directory", e);
    }
  }

  @Override
  public io.synid.api.node.v1.GetPoliciesResponse policies(long knownVersion,
      boolean acceptsChanges) throws ServerApiException {
    try {
      return node().getPolicies(io.synid.api.node.v1.GetPoliciesRequest.newBuilder()
          .setKnownVersion(knownVersion).setAcceptsChanges(acceptsChanges).build());
    } catch (RuntimeException e) {
      throw ServerApiException.of("fetching policies", e);
    }
  }

  /** Reports flow counters (deltas since the last successful report). */
  @Override
  public void reportFlows(List<io.synid.api.node.v1.Flow> flows) throws ServerApiException {
    try {
      node().reportFlows(io.synid.api.node.v1.ReportFlowsRequest.newBuilder().addAllFlows(flows)
          .build());
    } catch (RuntimeException e) {
      throw ServerApiException.of("reporting flows", e);
    }
  }

  /**
   * Opens a {@code Node/WatchChanges} stream on the current mTLS channel. {@code onNotice} runs
   * for every notice, then {@code onEnd} once when the stream ends (null after a normal end).
   * Both run on a gRPC thread and must be quick.
   *
   * @return cancels the stream
   * @throws ServerApiException before the agent has an SVID
   */
  public Runnable watchChanges(java.util.function.Consumer<io.synid.api.node.v1.ChangeNotice> onNotice,
      java.util.function.Consumer<Throwable> onEnd) throws ServerApiException {
    CompletableFuture<ClientCallStreamObserver<?>> call = new CompletableFuture<>();
    io.synid.api.node.v1.NodeGrpc.newStub(authenticated()).watchChanges(
        io.synid.api.node.v1.WatchChangesRequest.getDefaultInstance(),
        new ClientResponseObserver<io.synid.api.node.v1.WatchChangesRequest,
            io.synid.api.node.v1.ChangeNotice>() {
          @Override
          public void beforeStart(
              ClientCallStreamObserver<io.synid.api.node.v1.WatchChangesRequest> stream) {
            call.complete(stream);
          }

          @Override
          public void onNext(io.synid.api.node.v1.ChangeNotice notice) {
            onNotice.accept(notice);
          }

          @Override
          public void onError(Throwable t) {
            onEnd.accept(t);
          }

          @Override
          public void onCompleted() {
            onEnd.accept(null);
          }
        });
    return () -> call.thenAccept(stream -> stream.cancel("agent stopping", null));
  }

  /** Decodes an SVID chain from the server. */
  static List<X509Certificate> chain(X509SVID svid, String what) throws ServerApiException {
    if (svid.getCertChainCount() == 0) {
      throw new ServerApiException("the server sent an empty " + what, null, false);
    }
    List<X509Certificate> chain = new ArrayList<>();
    try {
      for (ByteString der : svid.getCertChainList()) {
        chain.add(Pem.certificateFromDer(der.toByteArray()));
      }
    } catch (InvalidPemException e) {
      throw new ServerApiException("the server sent a malformed " + what + ": " + e.getMessage(),
          e, false);
    }
    return chain;
  }

  @Override
  public void close() {
    anonymous.shutdownNow();
    ManagedChannel channel = authenticated;
    if (channel != null) {
      channel.shutdownNow();
    }
  }

  /** Client side of the AttestAgent stream: answers challenges until a result or an error. */
  private static final class AttestationConversation implements StreamObserver<AttestAgentResponse> {
    volatile StreamObserver<AttestAgentRequest> requests;
    private final AgentNodeAttestor attestor;
    private final CompletableFuture<AttestAgentResponse.Result> done;

    AttestationConversation(AgentNodeAttestor attestor,
        CompletableFuture<AttestAgentResponse.Result> done) {
      this.attestor = attestor;
      this.done = done;
    }

    @Override
    public void onNext(AttestAgentResponse response) {
      if (response.hasResult()) {
        done.complete(response.getResult());
        requests.onCompleted();
        return;
      }
      try {
        byte[] answer = attestor.respond(response.getChallenge().toByteArray());
        requests.onNext(AttestAgentRequest.newBuilder()
            .setChallengeResponse(ByteString.copyFrom(answer)).build());
      } catch (AttestationException e) {
        done.completeExceptionally(e);
        requests.onError(io.grpc.Status.CANCELLED.withDescription(e.getMessage()).asRuntimeException());
      }
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      done.completeExceptionally(io.grpc.Status.INTERNAL
          .withDescription("the server ended attestation without a result").asRuntimeException());
    }
  }

  /** Client side of SyncAuthorizedEntries (package-private for tests). */
  static final class EntrySync
      implements ClientResponseObserver<SyncAuthorizedEntriesRequest, SyncAuthorizedEntriesResponse> {
    final CompletableFuture<Map<String, Entry>> result = new CompletableFuture<>();
    volatile StreamObserver<SyncAuthorizedEntriesRequest> requests;
    private final Map<String, Entry> cached;
    private final Map<String, Entry> fresh = new HashMap<>();
    private final List<EntryRevision> revisions = new ArrayList<>();
    private final List<String> wanted = new ArrayList<>();
    private int wantedReceived;
    private boolean requestedIds;

    EntrySync(Map<String, Entry> cached) {
      this.cached = cached;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<SyncAuthorizedEntriesRequest> stream) {}

    @Override
    public void onNext(SyncAuthorizedEntriesResponse page) {
      for (Entry e : page.getEntriesList()) {
        fresh.put(e.getId(), e);
      }
      revisions.addAll(page.getEntryRevisionsList());
      if (page.getMore()) {
        return;
      }
      if (!requestedIds && revisions.isEmpty()) {
        // The whole set arrived at once.
        finish(fresh);
        return;
      }
      if (!requestedIds) {
        requestedIds = true;
        for (EntryRevision revision : revisions) {
          Entry known = cached.get(revision.getId());
          if (known == null || known.getRevisionNumber() != revision.getRevisionNumber()) {
            wanted.add(revision.getId());
          }
        }
        askNext();
        return;
      }
      askNext();
    }

    private void askNext() {
      if (wantedReceived >= wanted.size()) {
        Map<String, Entry> out = new HashMap<>();
        for (EntryRevision revision : revisions) {
          Entry e = fresh.get(revision.getId());
          if (e == null) {
            // Only a cached entry at the listed revision; a changed one the server did not send
            // is left out rather than served at its old revision.
            Entry known = cached.get(revision.getId());
            e = known != null && known.getRevisionNumber() == revision.getRevisionNumber()
                ? known : null;
          }
          if (e != null) {
            out.put(e.getId(), e);
          }
        }
        finish(out);
        return;
      }
      int to = Math.min(wanted.size(), wantedReceived + MAX_IDS_PER_REQUEST);
      List<String> ids = wanted.subList(wantedReceived, to);
      wantedReceived = to;
      requests.onNext(SyncAuthorizedEntriesRequest.newBuilder().addAllIds(ids).build());
    }

    private void finish(Map<String, Entry> entries) {
      if (result.complete(entries)) {
        requests.onCompleted();
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      // Every complete answer ends with a response whose "more" is false, which finishes the
      // sync; ending before it (even with no response at all) must not read as "no entries".
      result.completeExceptionally(io.grpc.Status.INTERNAL
          .withDescription("the server ended the entry sync early").asRuntimeException());
    }
  }
}
