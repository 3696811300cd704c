package io.synid.agent.workload;

import static io.synid.agent.TestPki.entry;
import static io.synid.agent.TestPki.federating;
import static io.synid.agent.TestPki.leaf;
import static io.synid.agent.TestPki.spiffeId;
import static io.synid.agent.TestPki.svid;
import static io.synid.agent.TestPki.trustDomain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Value;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import io.synid.agent.TestPki;
import io.synid.agent.cache.AgentState;
import io.synid.agent.cache.AgentStateHolder;
import io.synid.agent.cache.WorkloadSvid;
import io.synid.agent.cli.WorkloadApiClient;
import io.synid.agent.node.KeyPairs;
import io.synid.agent.server.ServerClient;
import io.synid.api.audit.AuditLog;
import io.synid.api.spire.server.svid.v1.NewJWTSVIDRequest;
import io.synid.api.spire.server.svid.v1.NewJWTSVIDResponse;
import io.synid.api.spire.server.svid.v1.SVIDGrpc;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.JWTSVID;
import io.synid.api.transport.UnixSocketServer;
import io.synid.api.workload.JWTBundlesRequest;
import io.synid.api.workload.JWTBundlesResponse;
import io.synid.api.workload.JWTSVIDRequest;
import io.synid.api.workload.JWTSVIDResponse;
import io.synid.api.workload.SpiffeWorkloadAPIGrpc;
import io.synid.api.workload.ValidateJWTSVIDRequest;
import io.synid.api.workload.ValidateJWTSVIDResponse;
import io.synid.api.workload.WITBundlesRequest;
import io.synid.api.workload.WITSVIDRequest;
import io.synid.api.workload.X509BundlesRequest;
import io.synid.api.workload.X509BundlesResponse;
import io.synid.api.workload.X509SVID;
import io.synid.api.workload.X509SVIDRequest;
import io.synid.api.workload.X509SVIDResponse;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.jwt.InvalidJwtSvidException;
import io.synid.core.jwt.JwtKey;
import io.synid.core.jwt.JwtSvidClaims;
import io.synid.core.jwt.JwtSvidSigner;
import io.synid.core.jwt.JwtSvidValidator;
import io.synid.core.selector.Selector;
import io.synid.core.x509.KeyType;
import io.synid.core.x509.SigningAuthority;
import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.WorkloadAttestation;
import io.synid.workloadattestor.WorkloadAttestor;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Workload API end to end: a real Unix socket served by {@link UnixSocketServer} with the
 * security-header interceptor, the caller identified by SO_PEERCRED (this very process), its
 * selectors from a fake attestor, SVIDs from a crafted {@link AgentState}, and JWT-SVIDs from a fake
 * SVID service behind TLS that {@link ServerClient} verifies like the real server.
 */
class WorkloadApiServiceTest {
  private static final long WAIT_SECONDS = 20;
  private static final Object COMPLETED = new Object();

  private static int uid;
  private static String uidSelector;
  private static SigningAuthority ca;
  private static SigningAuthority fedCa;
  private static SigningAuthority otherCa;
  private static KeyPair jwtKey;
  private static KeyPair fedJwtKey;
  private static TrustBundle bundle;
  private static TrustBundle fedBundle;
  private static TrustBundle otherBundle;

  private static Entry web;
  private static Entry db;
  private static Entry other;
  private static Entry bare;
  private static List<String> callerOfBoth;
  private static List<String> callerOfWeb;
  private static List<String> callerOfDb;
  private static List<String> callerOfNothing;

  @TempDir Path tmp;

  private final Deque<AutoCloseable> closers = new ArrayDeque<>();
  private final ObjectMapper json = new ObjectMapper();
  private FakeAttestor attestor;
  private AgentStateHolder holder;
  private WorkloadSvid webSvid;
  private WorkloadSvid dbSvid;
  private WorkloadSvid otherSvid;
  private WorkloadSvid bareSvid;
  private FakeSvidApi svidApi;
  private Path auditFile;
  private WorkloadApiClient client;
  private WorkloadApiClient headerless;

  @BeforeAll
  static void pki() throws Exception {
    uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    uidSelector = "unix:uid:" + uid;
    ca = TestPki.ca("example.org");
    fedCa = TestPki.ca("fed.example");
    otherCa = TestPki.ca("other.example");
    jwtKey = KeyType.EC_P256.generate();
    fedJwtKey = KeyType.EC_P256.generate();
    bundle = new TrustBundle(trustDomain("example.org"), List.of(ca.certificate()),
        List.of(JwtKey.withoutExpiry("jwt-1", jwtKey.getPublic())), 3, Duration.ZERO);
    fedBundle = new TrustBundle(trustDomain("fed.example"), List.of(fedCa.certificate()),
        List.of(JwtKey.withoutExpiry("fed-jwt-1", fedJwtKey.getPublic())), 1, Duration.ZERO);
    otherBundle = new TrustBundle(trustDomain("other.example"), List.of(otherCa.certificate()),
        List.of(), 1, Duration.ZERO);

    web = federating(entry("entry-web", "spiffe://example.org/web", 1, uidSelector), "fed.example")
        .toBuilder().setHint("web-hint").build();
    db = entry("entry-db", "spiffe://example.org/db", 1, "unix:group:db", "unix:user:db")
        .toBuilder().setHint("db-hint").build();
    other = federating(entry("entry-other", "spiffe://example.org/other", 1,
        "unix:uid:" + (uid + 1)), "other.example");
    bare = entry("entry-bare", "spiffe://example.org/bare", 1);
    callerOfBoth = List.of(uidSelector, "unix:group:db", "unix:user:db");
    callerOfWeb = List.of(uidSelector, "unix:group:web");
    callerOfDb = List.of("unix:group:db", "unix:user:db");
    callerOfNothing = List.of("unix:uid:" + (uid + 2), "unix:group:db");
  }

  /** The Workload API's pool for calls that may block; its threads are named {@code pool-call}. */
  private ExecutorService pool;
  private ServerClient serverClient;
  private Path apiSocket;

  @BeforeEach
  void start() throws Exception {
    pool = Executors.newCachedThreadPool(r -> new Thread(r, "pool-call"));
    closers.push(() -> pool.shutdownNow());
    webSvid = svid(ca, web);
    dbSvid = svid(ca, db);
    otherSvid = svid(ca, other);
    bareSvid = svid(ca, bare);
    holder = new AgentStateHolder(state(webSvid, dbSvid, otherSvid, bareSvid));
    attestor = new FakeAttestor(callerOfBoth);
    auditFile = tmp.resolve("audit.jsonl");
    AuditLog audit = AuditLog.open(auditFile, Clock.systemUTC());
    closers.push(audit);

    svidApi = new FakeSvidApi();
    KeyPair serverKey = KeyType.EC_P256.generate();
    Server svidServer = NettyServerBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        // Client certificates required, as the real server's agent API does.
        .sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(serverKey.getPrivate(),
            leaf(ca, serverKey.getPublic(), "spiffe://example.org/spire/server"))
            .trustManager(ca.certificate()).clientAuth(ClientAuth.REQUIRE)).build())
        .addService(svidApi).build().start();
    closers.push(() -> {
      svidServer.shutdownNow();
      svidServer.awaitTermination(10, TimeUnit.SECONDS);
    });
    ServerClient server = new ServerClient("127.0.0.1", svidServer.getPort(),
        trustDomain("example.org"), () -> List.of(ca.certificate()));
    closers.push(server);
    KeyPair agentKey = KeyType.EC_P256.generate();
    server.useAgentSvid(agentKey, List.of(leaf(ca, agentKey.getPublic(),
        "spiffe://example.org/spire/agent/join_token/test")));

    Path socket = serve(server, audit, "api.sock");
    serverClient = server;
    apiSocket = socket;
    client = new WorkloadApiClient(socket, true);
    closers.push(client);
    headerless = new WorkloadApiClient(socket, false);
    closers.push(headerless);
  }

  /**
   * Serves a Workload API with {@code server} on a new socket in the temp directory, as the agent
   * does: calls that cannot block on the socket's I/O threads, the others on {@link #pool}.
   */
  private Path serve(ServerClient server, AuditLog audit, String name) throws Exception {
    WorkloadApiService service = new WorkloadApiService(
        new WorkloadAttestation(List.of(attestor), Runnable::run), holder, server, io.synid.agent.audit.AuditSink.of(audit),
        Clock.systemUTC());
    Path socket = tmp.resolve(name);
    UnixSocketServer listening = UnixSocketServer.start(socket,
        UnixSocketServer.Access.ANY_LOCAL_USER, List.of(service), List.of(new SecurityHeaders()), 2,
        service.callExecutors(pool));
    closers.push(listening);
    return socket;
  }

  @AfterEach
  void stop() throws Exception {
    while (!closers.isEmpty()) {
      closers.pop().close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Fixtures

  /** Returns the selectors it is told to, as the {@code unix} attestor, and counts its calls. */
  private static final class FakeAttestor implements WorkloadAttestor {
    final AtomicReference<List<String>> selectors;
    final AtomicInteger calls = new AtomicInteger();
    final List<Integer> pids = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    volatile AttestationException failure;
    volatile boolean mayBlock;

    FakeAttestor(List<String> selectors) {
      this.selectors = new AtomicReference<>(selectors);
    }

    @Override
    public String name() {
      return "unix";
    }

    @Override
    public boolean mayBlock() {
      return mayBlock;
    }

    @Override
    public List<Selector> attest(int pid) throws AttestationException {
      calls.incrementAndGet();
      pids.add(pid);
      threads.add(Thread.currentThread().getName());
      if (failure != null) {
        throw failure;
      }
      List<Selector> out = new ArrayList<>();
      for (String s : selectors.get()) {
        try {
          out.add(Selector.parse(s));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
      return out;
    }
  }

  /** The server's SVID service: JWT-SVIDs signed with {@link #jwtKey} for known entries. */
  private static final class FakeSvidApi extends SVIDGrpc.SVIDImplBase {
    final List<NewJWTSVIDRequest> requests = new CopyOnWriteArrayList<>();
    final Set<String> refused = ConcurrentHashMap.newKeySet();
    final Map<String, String> ids = Map.of("entry-web", "spiffe://example.org/web",
        "entry-db", "spiffe://example.org/db");

    /** Requests for this audience wait until the latch opens (a server that does not answer). */
    volatile String heldAudience;
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void newJWTSVID(NewJWTSVIDRequest request, StreamObserver<NewJWTSVIDResponse> out) {
      requests.add(request);
      if (request.getAudienceList().contains(heldAudience)) {
        try {
          release.await(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      String id = ids.get(request.getEntryId());
      if (id == null || refused.contains(request.getEntryId())) {
        out.onError(Status.NOT_FOUND.withDescription("entry not found").asRuntimeException());
        return;
      }
      Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      Instant expires = now.plus(Duration.ofHours(1));
      String token = JwtSvidSigner.sign(jwtKey.getPrivate(), KeyType.EC_P256, "jwt-1",
          spiffeId(id), request.getAudienceList(), expires, now);
      out.onNext(NewJWTSVIDResponse.newBuilder().setSvid(JWTSVID.newBuilder().setToken(token)
          .setExpiresAt(expires.getEpochSecond()).setIssuedAt(now.getEpochSecond())).build());
      out.onCompleted();
    }
  }

  /** A client stream's events, in order: messages, then the error or {@link #COMPLETED}. */
  private static final class Events<Q, R> implements ClientResponseObserver<Q, R> {
    final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    volatile ClientCallStreamObserver<Q> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<Q> stream) {
      call = stream;
    }

    @Override
    public void onNext(R value) {
      events.add(value);
    }

    @Override
    public void onError(Throwable t) {
      events.add(t);
    }

    @Override
    public void onCompleted() {
      events.add(COMPLETED);
    }

    private Object take() throws InterruptedException {
      Object event = events.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      if (event == null) {
        fail("nothing arrived on the stream");
      }
      return event;
    }

    @SuppressWarnings("unchecked")
    R next() throws InterruptedException {
      Object event = take();
      if (event instanceof Throwable t) {
        throw new AssertionError("the stream failed instead of sending a message", t);
      }
      if (event == COMPLETED) {
        fail("the stream completed instead of sending a message");
      }
      return (R) event;
    }

    Status error() throws InterruptedException {
      Object event = take();
      if (!(event instanceof Throwable t)) {
        return fail("expected the stream to fail, got " + event);
      }
      return Status.fromThrowable(t);
    }

    void cancel() {
      call.cancel("the test is done with it", null);
    }
  }

  private static AgentState state(WorkloadSvid... svids) {
    return state(true, svids);
  }

  private static AgentState state(boolean ready, WorkloadSvid... svids) {
    Map<String, Entry> entries = new HashMap<>();
    Map<String, WorkloadSvid> byId = new HashMap<>();
    for (WorkloadSvid s : svids) {
      entries.put(s.entry().getId(), s.entry());
      byId.put(s.entry().getId(), s);
    }
    return new AgentState(bundle, Map.of("fed.example", fedBundle, "other.example", otherBundle),
        entries, byId, ready);
  }

  /** The number of state listeners, i.e. open X.509 and bundle streams. */
  private static int subscribers(AgentStateHolder holder) throws Exception {
    Field listeners = AgentStateHolder.class.getDeclaredField("listeners");
    listeners.setAccessible(true);
    return ((List<?>) listeners.get(holder)).size();
  }

  private void awaitSubscribers(int count) {
    await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> subscribers(holder) == count);
  }

  private Events<X509SVIDRequest, X509SVIDResponse> openX509Svid(WorkloadApiClient c) {
    Events<X509SVIDRequest, X509SVIDResponse> events = new Events<>();
    c.async().fetchX509SVID(X509SVIDRequest.getDefaultInstance(), events);
    return events;
  }

  private Events<X509BundlesRequest, X509BundlesResponse> openX509Bundles() {
    Events<X509BundlesRequest, X509BundlesResponse> events = new Events<>();
    client.async().fetchX509Bundles(X509BundlesRequest.getDefaultInstance(), events);
    return events;
  }

  private Events<JWTBundlesRequest, JWTBundlesResponse> openJwtBundles() {
    Events<JWTBundlesRequest, JWTBundlesResponse> events = new Events<>();
    client.async().fetchJWTBundles(JWTBundlesRequest.getDefaultInstance(), events);
    return events;
  }

  private static List<X509Certificate> certificates(ByteString der) throws Exception {
    List<X509Certificate> out = new ArrayList<>();
    for (var c : CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(der.toByteArray()))) {
      out.add((X509Certificate) c);
    }
    return out;
  }

  private static void assertSvid(X509SVID actual, WorkloadSvid expected) throws Exception {
    assertThat(actual.getSpiffeId()).isEqualTo(AgentState.spiffeId(expected.entry()));
    List<X509Certificate> chain = certificates(actual.getX509Svid());
    assertThat(chain).isEqualTo(expected.chain());
    PrivateKey key = KeyFactory.getInstance("EC")
        .generatePrivate(new PKCS8EncodedKeySpec(actual.getX509SvidKey().toByteArray()));
    assertThat(key.getEncoded()).isEqualTo(expected.key().getEncoded());
    assertThat(KeyPairs.match(new KeyPair(chain.get(0).getPublicKey(), key)))
        .as("the key is the leaf's").isTrue();
    assertThat(certificates(actual.getBundle())).containsExactly(ca.certificate());
    assertThat(actual.getHint()).isEqualTo(expected.entry().getHint());
  }

  private static Status statusOf(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
    return fail("the call succeeded");
  }

  private static void assertStatus(Status status, Status.Code code, String description) {
    assertThat(status.getCode()).as("code of %s", status).isEqualTo(code);
    assertThat(status.getDescription()).isEqualTo(description);
  }

  private List<JsonNode> auditRecords() throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(auditFile)) {
      out.add(json.readTree(line));
    }
    return out;
  }

  private List<JsonNode> awaitAuditRecords(int count) throws Exception {
    await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> auditRecords().size() >= count);
    List<JsonNode> records = auditRecords();
    assertThat(records).hasSize(count);
    return records;
  }

  private static String selfExecutable() throws Exception {
    return Files.readSymbolicLink(Path.of("/proc/self/exe")).toString();
  }

  private static String token(KeyPair key, String keyId, String subject, List<String> audience) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    return JwtSvidSigner.sign(key.getPrivate(), KeyType.EC_P256, keyId, spiffeId(subject),
        audience, now.plus(Duration.ofHours(1)), now);
  }

  // ---------------------------------------------------------------------------------------------
  // The security header

  @Test
  void everyMethodRefusesACallWithoutTheSecurityHeader() {
    var stub = headerless.blocking(WAIT_SECONDS);
    List<Consumer<Void>> calls = List.of(
        v -> stub.fetchX509SVID(X509SVIDRequest.getDefaultInstance()).hasNext(),
        v -> stub.fetchX509Bundles(X509BundlesRequest.getDefaultInstance()).hasNext(),
        v -> stub.fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a").build()),
        v -> stub.fetchJWTSVID(JWTSVIDRequest.getDefaultInstance()),
        v -> stub.fetchJWTBundles(JWTBundlesRequest.getDefaultInstance()).hasNext(),
        v -> stub.validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience("a")
            .setSvid(token(jwtKey, "jwt-1", "spiffe://example.org/web", List.of("a"))).build()),
        v -> stub.fetchWITSVID(WITSVIDRequest.getDefaultInstance()).hasNext(),
        v -> stub.fetchWITBundles(WITBundlesRequest.getDefaultInstance()).hasNext());

    for (Consumer<Void> call : calls) {
      assertStatus(statusOf(() -> call.accept(null)), Status.Code.INVALID_ARGUMENT,
          "security header missing from request");
    }
    assertThat(attestor.calls).as("refused before attestation").hasValue(0);
  }

  @Test
  void theSecurityHeaderMustBeExactlyOneTrue() throws Exception {
    Metadata wrong = new Metadata();
    wrong.put(SecurityHeaders.HEADER, "1");
    Metadata twice = new Metadata();
    twice.put(SecurityHeaders.HEADER, "true");

    Status wrongValue = statusOf(() -> headerless.blocking(WAIT_SECONDS)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(wrong))
        .fetchX509SVID(X509SVIDRequest.getDefaultInstance()).hasNext());
    Status twoValues = statusOf(() -> client.blocking(WAIT_SECONDS)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(twice))
        .fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a").build()));

    assertStatus(wrongValue, Status.Code.INVALID_ARGUMENT, "security header missing from request");
    assertStatus(twoValues, Status.Code.INVALID_ARGUMENT, "security header missing from request");
    assertThat(attestor.calls).hasValue(0);
  }

  // ---------------------------------------------------------------------------------------------
  // Callers without identity

  @Test
  void aCallerWithoutAMatchingEntryIsDeniedOnEveryIdentityMethod() throws Exception {
    attestor.selectors.set(callerOfNothing);
    var stub = client.blocking(WAIT_SECONDS);

    assertStatus(statusOf(() -> stub.fetchX509SVID(X509SVIDRequest.getDefaultInstance()).hasNext()),
        Status.Code.PERMISSION_DENIED, "no identity issued");
    assertStatus(statusOf(() -> stub.fetchX509Bundles(X509BundlesRequest.getDefaultInstance())
        .hasNext()), Status.Code.PERMISSION_DENIED, "no identity issued");
    assertStatus(statusOf(() -> stub.fetchJWTBundles(JWTBundlesRequest.getDefaultInstance())
        .hasNext()), Status.Code.PERMISSION_DENIED, "no identity issued");
    assertStatus(statusOf(() -> stub.fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a")
        .build())), Status.Code.PERMISSION_DENIED, "no identity issued");

    assertThat(attestor.calls).hasValue(4);
    assertThat(attestor.pids).containsOnly((int) ProcessHandle.current().pid());
    assertThat(svidApi.requests).isEmpty();
    awaitSubscribers(0);
    assertThat(auditRecords()).isEmpty();
  }

  @Test
  void anEntryWithoutSelectorsMatchesNoCaller() {
    attestor.selectors.set(List.of());
    holder.publish(state(bareSvid));

    assertStatus(statusOf(() -> client.blocking(WAIT_SECONDS)
        .fetchX509SVID(X509SVIDRequest.getDefaultInstance()).hasNext()),
        Status.Code.PERMISSION_DENIED, "no identity issued");
  }

  @Test
  void aFailedAttestationIsAnInternalError() {
    attestor.failure = new AttestationException("cannot read /proc/1234/status");
    int pid = (int) ProcessHandle.current().pid();

    assertStatus(statusOf(() -> client.blocking(WAIT_SECONDS)
        .fetchX509SVID(X509SVIDRequest.getDefaultInstance()).hasNext()), Status.Code.INTERNAL,
        "workload attestation failed: all workload attestors failed for pid " + pid
            + ": cannot read /proc/1234/status");
  }

  // ---------------------------------------------------------------------------------------------
  // FetchX509SVID

  @Test
  void callsThatCannotBlockRunOnTheSocketsIoThreadAndJwtSvidFetchesOnThePool() throws Exception {
    openX509Svid(client).next();
    client.blocking(WAIT_SECONDS).fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a").build());
    assertThat(attestor.threads).hasSize(2);
    assertThat(attestor.threads.get(0)).as("FetchX509SVID").doesNotStartWith("pool-")
        .doesNotStartWith("grpc-default-executor");
    assertThat(attestor.threads.get(1)).as("FetchJWTSVID").isEqualTo("pool-call");
  }

  @Test
  void everyCallRunsOnThePoolWhenAttestationMayBlock() throws Exception {
    attestor.mayBlock = true;
    AuditLog audit = AuditLog.open(tmp.resolve("blocking.jsonl"), Clock.systemUTC());
    closers.push(audit);
    Path socket = serve(serverClient, audit, "blocking.sock");
    try (WorkloadApiClient other = new WorkloadApiClient(socket, true)) {
      openX509Svid(other).next();
      other.blocking(WAIT_SECONDS).fetchJWTBundles(JWTBundlesRequest.getDefaultInstance()).next();
    }
    assertThat(attestor.threads).containsExactly("pool-call", "pool-call");
  }

  @Test
  void aJwtSvidFetchWaitingForTheServerHoldsUpNoOtherCall() throws Exception {
    svidApi.heldAudience = "slow";
    var held = client.async();
    CountDownLatch answered = new CountDownLatch(1);
    held.fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("slow").build(),
        new StreamObserver<>() {
          @Override
          public void onNext(JWTSVIDResponse value) {}

          @Override
          public void onError(Throwable t) {
            answered.countDown();
          }

          @Override
          public void onCompleted() {
            answered.countDown();
          }
        });
    // Each call is a new connection, spread over both I/O threads: none of them is stuck.
    for (int i = 0; i < 4; i++) {
      try (WorkloadApiClient other = new WorkloadApiClient(apiSocket, true)) {
        assertThat(openX509Svid(other).next().getSvidsCount()).isEqualTo(2);
      }
    }
    assertThat(answered.getCount()).as("the held call is still waiting").isEqualTo(1);
    svidApi.release.countDown();
    assertThat(answered.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void fetchX509SvidSendsEveryIdentityOfTheCallerAtOnce() throws Exception {
    var stream = openX509Svid(client);
    X509SVIDResponse first = stream.next();

    assertThat(first.getSvidsList()).extracting(X509SVID::getSpiffeId)
        .containsExactly("spiffe://example.org/db", "spiffe://example.org/web");
    assertSvid(first.getSvids(0), dbSvid);
    assertSvid(first.getSvids(1), webSvid);
    assertThat(first.getFederatedBundlesMap()).containsOnlyKeys("spiffe://fed.example");
    assertThat(certificates(first.getFederatedBundlesOrThrow("spiffe://fed.example")))
        .containsExactly(fedCa.certificate());
    assertThat(first.getCrlList()).isEmpty();
    stream.cancel();
  }

  @Test
  void federatedBundlesAreSentOnlyForEntriesThatFederate() throws Exception {
    attestor.selectors.set(callerOfDb);

    X509SVIDResponse onlyDb = openX509Svid(client).next();

    assertThat(onlyDb.getSvidsList()).extracting(X509SVID::getSpiffeId)
        .containsExactly("spiffe://example.org/db");
    assertSvid(onlyDb.getSvids(0), dbSvid);
    assertThat(onlyDb.getFederatedBundlesMap()).isEmpty();
  }

  @Test
  void everySvidHandedOutIsAuditedWithoutKeyMaterial() throws Exception {
    var stream = openX509Svid(client);
    stream.next();

    List<JsonNode> records = awaitAuditRecords(2);
    Map<String, JsonNode> bySpiffeId = new HashMap<>();
    records.forEach(r -> bySpiffeId.put(r.get("spiffe_id").asText(), r));
    assertThat(bySpiffeId).containsOnlyKeys("spiffe://example.org/db", "spiffe://example.org/web");
    for (WorkloadSvid svid : List.of(dbSvid, webSvid)) {
      JsonNode r = bySpiffeId.get(AgentState.spiffeId(svid.entry()));
      assertThat(r.get("schema").asText()).isEqualTo(AuditLog.SCHEMA);
      assertThat(r.get("event").asText()).isEqualTo("workload_svid");
      assertThat(r.get("kind").asText()).isEqualTo("x509");
      assertThat(r.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
      assertThat(r.get("uid").asInt()).isEqualTo(uid);
      assertThat(r.get("executable").asText()).isEqualTo(selfExecutable());
      assertThat(r.get("selectors")).extracting(JsonNode::asText)
          .containsExactlyElementsOf(callerOfBoth.stream().sorted().toList());
      assertThat(r.get("serial").asText()).isEqualTo(svid.serialHex());
      assertThat(r.get("expires_at").asText()).isEqualTo(svid.notAfter().toString());
      List<String> fields = new ArrayList<>();
      r.fieldNames().forEachRemaining(fields::add);
      assertThat(fields).containsExactlyInAnyOrder("schema", "time", "event", "kind", "spiffe_id",
          "pid", "uid", "executable", "selectors", "serial", "expires_at");
    }
    String text = Files.readString(auditFile);
    for (WorkloadSvid svid : List.of(dbSvid, webSvid)) {
      assertThat(text).doesNotContain(Base64.getEncoder().encodeToString(svid.key().getEncoded()))
          .doesNotContain(Base64.getEncoder().encodeToString(svid.leaf().getEncoded()));
    }
    assertThat(text).doesNotContain("PRIVATE KEY").doesNotContain("-----BEGIN");
    stream.cancel();
  }

  @Test
  void aRotatedSvidIsPushedAsANewFullMessageAndUnchangedStatesSendNothing() throws Exception {
    var stream = openX509Svid(client);
    stream.next();
    awaitAuditRecords(2);

    WorkloadSvid rotatedWeb = svid(ca, web);
    holder.publish(state(rotatedWeb, dbSvid, otherSvid, bareSvid));
    X509SVIDResponse second = stream.next();

    assertThat(second.getSvidsList()).hasSize(2);
    assertSvid(second.getSvids(0), dbSvid);
    assertSvid(second.getSvids(1), rotatedWeb);
    assertThat(second.getFederatedBundlesMap()).containsOnlyKeys("spiffe://fed.example");
    List<JsonNode> records = awaitAuditRecords(3);
    assertThat(records.get(2).get("serial").asText()).as("only the new SVID is audited again")
        .isEqualTo(rotatedWeb.serialHex());

    // An equal state, and a change to another workload's entry, are nothing to send: the next
    // message on the stream is the one after them.
    holder.publish(state(rotatedWeb, dbSvid, otherSvid, bareSvid));
    holder.publish(state(rotatedWeb, dbSvid, svid(ca, other), bareSvid));
    holder.publish(state(rotatedWeb, dbSvid, otherSvid));
    WorkloadSvid rotatedDb = svid(ca, db);
    holder.publish(state(rotatedWeb, rotatedDb, otherSvid));
    X509SVIDResponse third = stream.next();

    assertSvid(third.getSvids(0), rotatedDb);
    assertSvid(third.getSvids(1), rotatedWeb);
    assertThat(stream.events).isEmpty();
    stream.cancel();
  }

  @Test
  void aNewBundleIsPushed() throws Exception {
    var stream = openX509Svid(client);
    stream.next();
    SigningAuthority nextCa = TestPki.ca("example.org");
    TrustBundle rotated = new TrustBundle(bundle.trustDomain(),
        List.of(ca.certificate(), nextCa.certificate()), bundle.jwtAuthorities(), 4, Duration.ZERO);
    AgentState current = holder.current();

    holder.publish(new AgentState(rotated, current.federated(), current.entries(),
        current.svids(), true));
    X509SVIDResponse second = stream.next();

    for (X509SVID svid : second.getSvidsList()) {
      assertThat(certificates(svid.getBundle())).containsExactly(ca.certificate(), nextCa.certificate());
    }
    stream.cancel();
  }

  @Test
  void losingOneOfTwoIdentitiesSendsTheRest() throws Exception {
    var stream = openX509Svid(client);
    stream.next();

    holder.publish(state(dbSvid, otherSvid));
    X509SVIDResponse second = stream.next();

    assertThat(second.getSvidsList()).extracting(X509SVID::getSpiffeId)
        .containsExactly("spiffe://example.org/db");
    assertThat(second.getFederatedBundlesMap()).as("web was the one federating").isEmpty();
    stream.cancel();
  }

  @Test
  void removingTheCallersEntriesEndsTheStreamWithPermissionDenied() throws Exception {
    var stream = openX509Svid(client);
    stream.next();
    awaitSubscribers(1);

    holder.publish(state(otherSvid, bareSvid));

    assertStatus(stream.error(), Status.Code.PERMISSION_DENIED, "no identity issued");
    awaitSubscribers(0);
  }

  @Test
  void streamsOpenedBeforeTheFirstSyncWaitForIt() throws Exception {
    holder.publish(AgentState.initial(bundle));
    var x509 = openX509Svid(client);
    var x509Bundles = openX509Bundles();
    var jwtBundles = openJwtBundles();
    awaitSubscribers(3);
    // The initial state has no SVID: a stream that did not wait would end "no identity issued".
    holder.publish(state(false, webSvid));

    holder.publish(state(webSvid, dbSvid));

    X509SVIDResponse first = x509.next();
    assertThat(first.getSvidsList()).extracting(X509SVID::getSpiffeId)
        .containsExactly("spiffe://example.org/db", "spiffe://example.org/web");
    assertThat(x509Bundles.next().getBundlesMap())
        .containsOnlyKeys("spiffe://example.org", "spiffe://fed.example");
    assertThat(jwtBundles.next().getBundlesMap())
        .containsOnlyKeys("spiffe://example.org", "spiffe://fed.example");
    x509.cancel();
    x509Bundles.cancel();
    jwtBundles.cancel();
    awaitSubscribers(0);
  }

  @Test
  void aCancelledStreamStopsListening() throws Exception {
    var one = openX509Svid(client);
    var two = openX509Svid(client);
    one.next();
    two.next();
    awaitSubscribers(2);

    one.cancel();
    awaitSubscribers(1);
    holder.publish(state(svid(ca, web), dbSvid));

    assertThat(two.next().getSvidsList()).hasSize(2);
    two.cancel();
    awaitSubscribers(0);
  }

  // ---------------------------------------------------------------------------------------------
  // Bundle streams

  @Test
  void fetchX509BundlesSendsOurBundleAndTheFederatedOnesOfTheCallersEntries() throws Exception {
    var stream = openX509Bundles();
    X509BundlesResponse response = stream.next();

    assertThat(response.getBundlesMap()).containsOnlyKeys("spiffe://example.org", "spiffe://fed.example");
    assertThat(certificates(response.getBundlesOrThrow("spiffe://example.org")))
        .containsExactly(ca.certificate());
    assertThat(certificates(response.getBundlesOrThrow("spiffe://fed.example")))
        .containsExactly(fedCa.certificate());

    holder.publish(state(dbSvid, otherSvid));
    assertThat(stream.next().getBundlesMap()).containsOnlyKeys("spiffe://example.org");

    holder.publish(state(otherSvid));
    assertStatus(stream.error(), Status.Code.PERMISSION_DENIED, "no identity issued");
  }

  @Test
  void fetchJwtBundlesSendsJwksOfOurAndTheFederatedTrustDomains() throws Exception {
    var stream = openJwtBundles();
    JWTBundlesResponse response = stream.next();

    assertThat(response.getBundlesMap()).containsOnlyKeys("spiffe://example.org", "spiffe://fed.example");
    JsonNode ours = json.readTree(response.getBundlesOrThrow("spiffe://example.org").toStringUtf8());
    JsonNode fed = json.readTree(response.getBundlesOrThrow("spiffe://fed.example").toStringUtf8());
    assertThat(ours.get("keys")).extracting(k -> k.get("kid").asText()).containsExactly("jwt-1");
    assertThat(fed.get("keys")).extracting(k -> k.get("kid").asText()).containsExactly("fed-jwt-1");
    assertThat(ours.get("keys").get(0).get("kty").asText()).isEqualTo("EC");
    assertThat(ours.toString()).doesNotContain("\"d\"");
    stream.cancel();
  }

  // ---------------------------------------------------------------------------------------------
  // FetchJWTSVID

  @Test
  void fetchJwtSvidWithoutAudienceIsInvalid() {
    assertStatus(statusOf(() -> client.blocking(WAIT_SECONDS)
        .fetchJWTSVID(JWTSVIDRequest.getDefaultInstance())), Status.Code.INVALID_ARGUMENT,
        "audience must be specified");
    assertStatus(statusOf(() -> client.blocking(WAIT_SECONDS)
        .fetchJWTSVID(JWTSVIDRequest.newBuilder().setSpiffeId("spiffe://example.org/web").build())),
        Status.Code.INVALID_ARGUMENT, "audience must be specified");
    assertThat(attestor.calls).hasValue(0);
  }

  @Test
  void fetchJwtSvidReturnsATokenForEveryIdentityAndAuditsEachWithoutTheToken() throws Exception {
    JWTSVIDResponse response = client.blocking(WAIT_SECONDS).fetchJWTSVID(JWTSVIDRequest.newBuilder()
        .addAudience("spiffe://example.org/api").addAudience("other-audience").build());

    assertThat(response.getSvidsList()).extracting(io.synid.api.workload.JWTSVID::getSpiffeId)
        .containsExactly("spiffe://example.org/db", "spiffe://example.org/web");
    assertThat(response.getSvidsList()).extracting(io.synid.api.workload.JWTSVID::getHint)
        .containsExactly("db-hint", "web-hint");
    for (io.synid.api.workload.JWTSVID svid : response.getSvidsList()) {
      JwtSvidClaims claims = JwtSvidValidator.validate(svid.getSvid(), td -> bundle.jwtKeysById(),
          List.of("spiffe://example.org/api", "other-audience"), Instant.now());
      assertThat(claims.subject().toString()).isEqualTo(svid.getSpiffeId());
    }
    assertThat(svidApi.requests).extracting(NewJWTSVIDRequest::getEntryId)
        .containsExactly("entry-db", "entry-web");
    assertThat(svidApi.requests.get(0).getAudienceList())
        .containsExactly("spiffe://example.org/api", "other-audience");

    List<JsonNode> records = auditRecords();
    assertThat(records).hasSize(2);
    for (JsonNode r : records) {
      assertThat(r.get("event").asText()).isEqualTo("workload_svid");
      assertThat(r.get("kind").asText()).isEqualTo("jwt");
      assertThat(r.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
      assertThat(r.get("uid").asInt()).isEqualTo(uid);
      assertThat(r.get("audience")).extracting(JsonNode::asText)
          .containsExactly("spiffe://example.org/api", "other-audience");
      assertThat(r.has("expires_at")).isTrue();
      assertThat(r.has("token")).isFalse();
    }
    String text = Files.readString(auditFile);
    for (io.synid.api.workload.JWTSVID svid : response.getSvidsList()) {
      assertThat(text).doesNotContain(svid.getSvid())
          .doesNotContain(svid.getSvid().substring(svid.getSvid().lastIndexOf('.') + 1));
    }
  }

  @Test
  void jwtSvidsAreCachedPerEntryAndAudienceSet() throws Exception {
    var stub = client.blocking(WAIT_SECONDS);
    JWTSVIDResponse first = stub.fetchJWTSVID(JWTSVIDRequest.newBuilder()
        .addAudience("b").addAudience("a").build());
    JWTSVIDResponse again = stub.fetchJWTSVID(JWTSVIDRequest.newBuilder()
        .addAudience("a").addAudience("b").build());

    assertThat(again).isEqualTo(first);
    assertThat(svidApi.requests).hasSize(2);

    stub.fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a").build());
    assertThat(svidApi.requests).as("another audience set is another token").hasSize(4);

    Entry revisedWeb = web.toBuilder().setRevisionNumber(2).build();
    holder.publish(state(svid(ca, revisedWeb), dbSvid));
    stub.fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a").build());
    assertThat(svidApi.requests).as("a new revision of an entry is a new token").hasSize(5);
    assertThat(svidApi.requests.get(4).getEntryId()).isEqualTo("entry-web");
  }

  @Test
  void fetchJwtSvidForOneOfTheCallersIds() throws Exception {
    JWTSVIDResponse response = client.blocking(WAIT_SECONDS).fetchJWTSVID(JWTSVIDRequest.newBuilder()
        .addAudience("a").setSpiffeId("spiffe://example.org/web").build());

    assertThat(response.getSvidsList()).extracting(io.synid.api.workload.JWTSVID::getSpiffeId)
        .containsExactly("spiffe://example.org/web");
    assertThat(svidApi.requests).extracting(NewJWTSVIDRequest::getEntryId).containsExactly("entry-web");
  }

  @Test
  void fetchJwtSvidForAnIdTheCallerDoesNotHaveIsDenied() {
    assertStatus(statusOf(() -> client.blocking(WAIT_SECONDS).fetchJWTSVID(JWTSVIDRequest.newBuilder()
        .addAudience("a").setSpiffeId("spiffe://example.org/other").build())),
        Status.Code.PERMISSION_DENIED, "no identity issued");
    assertThat(svidApi.requests).isEmpty();
  }

  @Test
  void aServerRefusalIsUnavailableAndNothingIsAudited() throws Exception {
    svidApi.refused.add("entry-web");

    assertStatus(statusOf(() -> client.blocking(WAIT_SECONDS).fetchJWTSVID(JWTSVIDRequest
        .newBuilder().addAudience("a").build())), Status.Code.UNAVAILABLE,
        "could not fetch \"spiffe://example.org/web\" JWT-SVID: JWT-SVID request failed"
            + " (NOT_FOUND: entry not found)");
    assertThat(auditRecords()).as("no SVID was handed out").isEmpty();
  }

  @Test
  void anAgentWithoutItsOwnSvidCannotFetchJwtSvids() throws Exception {
    ServerClient unattested = new ServerClient("127.0.0.1", 1, trustDomain("example.org"),
        () -> List.of(ca.certificate()));
    closers.push(unattested);
    AuditLog audit = AuditLog.open(tmp.resolve("audit-2.jsonl"), Clock.systemUTC());
    closers.push(audit);
    Path socket = serve(unattested, audit, "api-2.sock");
    WorkloadApiClient second = new WorkloadApiClient(socket, true);
    closers.push(second);
    attestor.selectors.set(callerOfWeb);

    assertStatus(statusOf(() -> second.blocking(WAIT_SECONDS).fetchJWTSVID(JWTSVIDRequest
        .newBuilder().addAudience("a").build())), Status.Code.UNAVAILABLE,
        "could not fetch \"spiffe://example.org/web\" JWT-SVID: the agent has no SVID yet");
    X509SVIDResponse x509 = openX509Svid(second).next();
    assertThat(x509.getSvidsList()).as("X.509 is served from the cache alone").hasSize(1);
  }

  // ---------------------------------------------------------------------------------------------
  // ValidateJWTSVID

  @Test
  void validateJwtSvidNeedsAnAudienceAndAToken() {
    var stub = client.blocking(WAIT_SECONDS);
    String token = token(jwtKey, "jwt-1", "spiffe://example.org/web", List.of("a"));

    assertStatus(statusOf(() -> stub.validateJWTSVID(ValidateJWTSVIDRequest.newBuilder()
        .setSvid(token).build())), Status.Code.INVALID_ARGUMENT, "audience must be specified");
    assertStatus(statusOf(() -> stub.validateJWTSVID(ValidateJWTSVIDRequest.newBuilder()
        .setAudience("a").build())), Status.Code.INVALID_ARGUMENT, "svid must be specified");
    assertStatus(statusOf(() -> stub.validateJWTSVID(ValidateJWTSVIDRequest.getDefaultInstance())),
        Status.Code.INVALID_ARGUMENT, "audience must be specified");
    assertThat(attestor.calls).hasValue(0);
  }

  @Test
  void aTokenSignedByAJwtAuthorityOfTheBundleIsValid() {
    String token = token(jwtKey, "jwt-1", "spiffe://example.org/web", List.of("svc-a", "svc-b"));

    ValidateJWTSVIDResponse response = client.blocking(WAIT_SECONDS).validateJWTSVID(
        ValidateJWTSVIDRequest.newBuilder().setAudience("svc-b").setSvid(token).build());

    assertThat(response.getSpiffeId()).isEqualTo("spiffe://example.org/web");
    Map<String, Value> claims = response.getClaims().getFieldsMap();
    assertThat(claims).containsOnlyKeys("sub", "aud", "exp", "iat");
    assertThat(claims.get("sub").getStringValue()).isEqualTo("spiffe://example.org/web");
    assertThat(claims.get("aud").getListValue().getValuesList()).extracting(Value::getStringValue)
        .containsExactly("svc-a", "svc-b");
    long iat = (long) claims.get("iat").getNumberValue();
    assertThat((long) claims.get("exp").getNumberValue()).isEqualTo(iat + 3600);
  }

  @Test
  void aTokenOfAFederatedTrustDomainIsValidatedWithItsBundle() {
    String token = token(fedJwtKey, "fed-jwt-1", "spiffe://fed.example/partner", List.of("svc"));

    ValidateJWTSVIDResponse response = client.blocking(WAIT_SECONDS).validateJWTSVID(
        ValidateJWTSVIDRequest.newBuilder().setAudience("svc").setSvid(token).build());

    assertThat(response.getSpiffeId()).isEqualTo("spiffe://fed.example/partner");
  }

  @Test
  void aCallerWithoutIdentityMayStillValidate() {
    attestor.selectors.set(callerOfNothing);
    String token = token(jwtKey, "jwt-1", "spiffe://example.org/web", List.of("svc"));

    ValidateJWTSVIDResponse response = client.blocking(WAIT_SECONDS).validateJWTSVID(
        ValidateJWTSVIDRequest.newBuilder().setAudience("svc").setSvid(token).build());

    assertThat(response.getSpiffeId()).isEqualTo("spiffe://example.org/web");
    assertThat(attestor.calls).hasValue(1);
  }

  @Test
  void invalidTokensAreInvalidArguments() {
    var stub = client.blocking(WAIT_SECONDS);
    KeyPair forger = KeyType.EC_P256.generate();
    Map<String, String> cases = Map.of(
        token(forger, "jwt-1", "spiffe://example.org/web", List.of("svc")),
        InvalidJwtSvidException.INVALID_SIGNATURE,
        token(jwtKey, "jwt-2", "spiffe://example.org/web", List.of("svc")),
        InvalidJwtSvidException.UNKNOWN_KEY_ID,
        token(jwtKey, "jwt-1", "spiffe://example.org/web", List.of("another")),
        InvalidJwtSvidException.AUDIENCE_MISMATCH,
        token(jwtKey, "jwt-1", "spiffe://unknown.example/web", List.of("svc")),
        InvalidJwtSvidException.NO_AUTHORITIES,
        token(fedJwtKey, "fed-jwt-1", "spiffe://example.org/web", List.of("svc")),
        InvalidJwtSvidException.UNKNOWN_KEY_ID,
        "not-a-token", InvalidJwtSvidException.NOT_JWS);

    cases.forEach((token, message) -> assertStatus(statusOf(() -> stub.validateJWTSVID(
        ValidateJWTSVIDRequest.newBuilder().setAudience("svc").setSvid(token).build())),
        Status.Code.INVALID_ARGUMENT, message));
  }

  @Test
  void aTokenSignedWithTheRightKeyButTamperedWithIsInvalid() {
    String token = token(jwtKey, "jwt-1", "spiffe://example.org/web", List.of("svc"));
    String[] parts = token.split("\\.");
    String claims = new String(Base64.getUrlDecoder().decode(parts[1]));
    String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
        claims.replace("spiffe://example.org/web", "spiffe://example.org/db").getBytes())
        + "." + parts[2];

    assertStatus(statusOf(() -> client.blocking(WAIT_SECONDS).validateJWTSVID(
        ValidateJWTSVIDRequest.newBuilder().setAudience("svc").setSvid(forged).build())),
        Status.Code.INVALID_ARGUMENT, InvalidJwtSvidException.INVALID_SIGNATURE);
  }

  // ---------------------------------------------------------------------------------------------
  // WIT-SVIDs

  @Test
  void witSvidMethodsAreUnimplemented() {
    var stub = client.blocking(WAIT_SECONDS);

    assertStatus(statusOf(() -> stub.fetchWITSVID(WITSVIDRequest.getDefaultInstance()).hasNext()),
        Status.Code.UNIMPLEMENTED, "Method "
            + SpiffeWorkloadAPIGrpc.getFetchWITSVIDMethod().getFullMethodName() + " is unimplemented");
    assertStatus(statusOf(() -> stub.fetchWITBundles(WITBundlesRequest.getDefaultInstance())
        .hasNext()), Status.Code.UNIMPLEMENTED, "Method "
            + SpiffeWorkloadAPIGrpc.getFetchWITBundlesMethod().getFullMethodName()
            + " is unimplemented");
  }
}
