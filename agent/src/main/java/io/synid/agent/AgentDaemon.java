package io.synid.agent;

import io.grpc.BindableService;
import io.synid.agent.audit.AgentAudit;
import io.synid.agent.audit.AuditPipeline;
import io.synid.agent.cache.AgentState;
import io.synid.agent.cache.AgentStateHolder;
import io.synid.agent.cache.Synchronizer;
import io.synid.agent.config.AgentSettings;
import io.synid.agent.handshake.HandshakeController;
import io.synid.agent.handshake.HandshakeSettings;
import io.synid.agent.handshake.KernelDatapath;
import io.synid.agent.handshake.NodeHandshakeKey;
import io.synid.agent.node.AgentSvid;
import io.synid.handshake.DatapathException;
import io.synid.agent.node.AgentSvidStore;
import io.synid.agent.node.NodeAttestors;
import io.synid.agent.node.NodeIdentity;
import io.synid.agent.server.ChangeWatcher;
import io.synid.agent.server.ServerApiException;
import io.synid.agent.server.ServerClient;
import io.synid.agent.workload.WorkloadApiService;
import io.synid.agent.workload.WorkloadAttestors;
import io.synid.api.node.v1.ChangeNotice;
import io.synid.api.transport.UnixSocketServer;
import io.synid.core.bundle.BundleJson;
import io.synid.core.bundle.BundlePem;
import io.synid.core.bundle.InvalidBundleException;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.x509.InvalidPemException;
import io.synid.nodeattestor.AgentNodeAttestor;
import io.synid.workloadattestor.InvalidConfigException;
import io.synid.workloadattestor.WorkloadAttestation;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The running agent: node identity, the sync loop and the Workload API.
 *
 * <p>Start-up never waits for the server: the Workload API socket is served at once (streams wait
 * for the first sync), and attestation and sync retry with exponential backoff (from one sync
 * interval up to {@value #MAX_BACKOFF_SECONDS} s) while the server is unreachable; SVIDs already
 * held keep being served until they expire. The agent stops by itself only for a reason that
 * retrying cannot fix (banned, evicted with a join token, bad configuration), and then
 * {@link #terminated()} completes with that reason.
 */
public final class AgentDaemon implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AgentDaemon.class.getName());
  static final long MAX_BACKOFF_SECONDS = 30;

  private final AgentSettings settings;
  private final Clock clock;
  private final AuditPipeline audit;
  private final ServerClient client;
  private final AgentStateHolder state;
  private final NodeIdentity node;
  private final Synchronizer synchronizer;
  private final UnixSocketServer workloadApi;
  private final ExecutorService attestors;
  private final Thread loop;
  private final WorkloadAttestation attestation;
  private volatile HandshakeController handshake;
  private volatile NamedSvid namedSvid;
  private volatile ChangeWatcher changes;
  /** Guards {@link #datapathDue}; the sync loop waits on it between cycles. */
  private final Object wake = new Object();
  private boolean datapathDue;
  private final CompletableFuture<AgentTerminatedException> terminated = new CompletableFuture<>();
  private volatile boolean closing;
  private boolean closed;

  private AgentDaemon(AgentSettings settings, Clock clock) throws IOException,
      AgentTerminatedException {
    this.settings = settings;
    this.clock = clock;
    AgentSvidStore store = new AgentSvidStore(settings.dataDir());
    List<X509Certificate> roots = store.loadBundle().orElse(null);
    if (roots == null) {
      roots = bootstrapRoots(settings.trustDomain(), settings.bootstrapBundle());
    }
    state = new AgentStateHolder(AgentState.initial(
        new TrustBundle(settings.trustDomain(), roots, List.of(), 0, Duration.ZERO)));
    // Threads for Workload API work that may block: attestors beside the calling one, and calls
    // that cannot run on the socket's I/O threads (WorkloadApiService.callExecutors).
    attestors = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "workload-api");
      t.setDaemon(true);
      return t;
    });
    try {
      attestation = WorkloadAttestors.fromConfig(settings.workloadAttestors(), attestors);
    } catch (InvalidConfigException e) {
      attestors.shutdownNow();
      throw new AgentTerminatedException("invalid workload attestor configuration: " + e.getMessage(), e);
    }
    AgentNodeAttestor probe = NodeAttestors.create(settings.nodeAttestation());
    LOG.fine("node attestation method " + probe.name());
    try {
      client = new ServerClient(settings.serverAddress(), settings.serverPort(),
          settings.trustDomain(), () -> state.current().bundle().x509Authorities());
    } catch (ServerApiException e) {
      attestors.shutdownNow();
      throw new AgentTerminatedException(e.getMessage(), e);
    }
    AtomicReference<NodeIdentity> identity = new AtomicReference<>();
    try {
      audit = AgentAudit.start(settings.audit(), settings.dataDir(), () -> {
        NodeIdentity n = identity.get();
        AgentSvid svid = n == null ? null : n.current();
        return svid == null ? null : idOf(svid);
      }, client::agentChannel, clock);
    } catch (IOException | RuntimeException e) {
      client.close();
      attestors.shutdownNow();
      throw e;
    }
    try {
      node = new NodeIdentity(settings.trustDomain(), store, client, () -> {
        try {
          return NodeAttestors.create(settings.nodeAttestation());
        } catch (AgentTerminatedException e) {
          throw new IllegalStateException(e.getMessage(), e);
        }
      }, NodeAttestors.canReattest(settings.nodeAttestation()), clock, audit);
      identity.set(node);
      synchronizer = new Synchronizer(client, state, store, clock);
      WorkloadApiService workloads = new WorkloadApiService(attestation, state, client, audit,
          clock);
      workloadApi = UnixSocketServer.start(settings.workloadApiSocket(),
          UnixSocketServer.Access.ANY_LOCAL_USER, List.of(workloads),
          List.of(new io.synid.agent.workload.SecurityHeaders()), 4,
          workloads.callExecutors(attestors));
    } catch (IOException | RuntimeException e) {
      audit.close();
      client.close();
      attestors.shutdownNow();
      throw e;
    }
    loop = new Thread(this::run, "agent-sync");
    loop.setDaemon(true);
  }

  /**
   * Starts the agent: binds the Workload API and starts attestation and syncing in the
   * background.
   *
   * @throws IOException if the socket cannot be bound or the data directory is unusable
   * @throws AgentTerminatedException if the configuration cannot work (bootstrap bundle,
   *     attestor files, workload attestors)
   */
  public static AgentDaemon start(AgentSettings settings, Clock clock)
      throws IOException, AgentTerminatedException {
    AgentDaemon daemon = new AgentDaemon(settings, clock);
    daemon.loop.start();
    LOG.info("Workload API listening on " + settings.workloadApiSocket());
    return daemon;
  }

  /** Completes when the agent stopped by itself, with the reason. */
  public CompletableFuture<AgentTerminatedException> terminated() {
    return terminated;
  }

  /** The current state (for tests and health checks). */
  public AgentState state() {
    return state.current();
  }

  /** The agent's SPIFFE ID, or empty before attestation. */
  public Optional<String> agentId() {
    return Optional.ofNullable(node.current()).map(this::idOf);
  }

  /** An SVID's SPIFFE ID, parsed once per SVID: every audit record names the agent. */
  private String idOf(AgentSvid svid) {
    NamedSvid named = namedSvid;
    if (named == null || named.svid() != svid) {
      named = new NamedSvid(svid, svid.spiffeId());
      namedSvid = named;
    }
    return named.id();
  }

  private record NamedSvid(AgentSvid svid, String id) {}

  private void run() {
    Duration interval = settings.syncInterval();
    Duration backoff = interval;
    boolean established = false;
    while (!closing) {
      try {
        if (!established) {
          node.establish();
          established = true;
        }
        node.renewIfDue();
        synchronizer.syncOnce();
        reconcileDatapath(false);
        backoff = interval;
        awaitNextSync(interval);
      } catch (ServerApiException e) {
        if (e.denial().isPresent()) {
          try {
            node.handleDenial(e);
            continue;
          } catch (ServerApiException again) {
            e = again;
          } catch (AgentTerminatedException fatal) {
            stop(fatal);
            return;
          }
        }
        if (closing) {
          return;
        }
        LOG.warning(e.getMessage() + "; retrying in " + backoff.toMillis() + " ms");
        synchronizer.dropExpired();
        sleep(backoff);
        backoff = backoff.multipliedBy(2);
        if (backoff.getSeconds() > MAX_BACKOFF_SECONDS) {
          backoff = Duration.ofSeconds(MAX_BACKOFF_SECONDS);
        }
      } catch (AgentTerminatedException fatal) {
        stop(fatal);
        return;
      } catch (RuntimeException e) {
        if (e.getCause() instanceof AgentTerminatedException fatal) {
          stop(fatal);
          return;
        }
        LOG.log(Level.SEVERE, "unexpected failure in the sync loop; retrying", e);
        sleep(backoff);
      }
    }
  }

  /**
   * Waits {@code interval} for the next sync; meanwhile brings the datapath up to date at once
   * whenever the server announces a change (policies, directory).
   */
  private void awaitNextSync(Duration interval) throws AgentTerminatedException {
    long deadline = System.nanoTime() + interval.toNanos();
    while (!closing) {
      synchronized (wake) {
        long left = deadline - System.nanoTime();
        while (!datapathDue && left > 0 && !closing) {
          try {
            TimeUnit.NANOSECONDS.timedWait(wake, left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
            return;
          }
          left = deadline - System.nanoTime();
        }
        if (!datapathDue) {
          return;
        }
        datapathDue = false;
      }
      reconcileDatapath(true);
    }
  }

  private void datapathChanged(ChangeNotice notice) {
    HandshakeController controller = handshake;
    if (controller != null) {
      controller.announced(notice);
    }
    synchronized (wake) {
      datapathDue = true;
      wake.notifyAll();
    }
  }

  /**
   * Opens the datapath on first use and brings it up to date: everything at a sync, what the
   * server announced after a change notice ({@code announced}). Its failures never stop identity
   * serving: the kernel keeps enforcing what it has, and the next cycle tries again.
   */
  private void reconcileDatapath(boolean announced) throws AgentTerminatedException {
    if (settings.handshake().isEmpty()) {
      return;
    }
    HandshakeSettings hs = settings.handshake().get();
    if (handshake == null) {
      try {
        handshake = new HandshakeController(hs, KernelDatapath.open(hs),
            NodeHandshakeKey.loadOrCreate(settings.dataDir()), client, attestation, audit, clock,
            () -> agentId().orElse(""));
      } catch (DatapathException | IOException e) {
        throw new AgentTerminatedException("cannot load the handshake datapath on " + hs.cgroup()
            + ": " + e.getMessage(), e);
      }
    }
    try {
      if (announced) {
        handshake.reconcileAnnounced(state.current());
      } else {
        handshake.reconcile(state.current());
      }
      if (changes == null) {
        changes = new ChangeWatcher(client, this::datapathChanged);
      }
    } catch (ServerApiException e) {
      LOG.warning("datapath not updated: " + e.getMessage() + "; the kernel keeps its last state");
    } catch (DatapathException | IOException e) {
      LOG.log(Level.SEVERE, "datapath update failed; the kernel keeps its last state", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closing = true;
    }
  }

  /** The datapath controller, once the datapath is loaded (for tests and health checks). */
  public Optional<HandshakeController> handshake() {
    return Optional.ofNullable(handshake);
  }

  private void stop(AgentTerminatedException reason) {
    LOG.severe("stopping: " + reason.getMessage());
    terminated.complete(reason);
  }

  private void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closing = true;
    }
  }

  private static List<X509Certificate> bootstrapRoots(io.synid.core.spiffeid.TrustDomain td,
      AgentSettings.BootstrapBundle source)
      throws AgentTerminatedException {
    String text;
    String where = source.path() != null ? source.path().toString() : source.url().toString();
    try {
      if (source.path() != null) {
        text = Files.readString(source.path());
      } else {
        HttpResponse<String> response = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10)).build()
            .send(HttpRequest.newBuilder(source.url()).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          throw new AgentTerminatedException("cannot fetch the trust bundle from " + where
              + ": HTTP " + response.statusCode());
        }
        text = response.body();
      }
    } catch (IOException e) {
      throw new AgentTerminatedException("cannot read the trust bundle " + where + ": "
          + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentTerminatedException("interrupted while fetching the trust bundle", e);
    }
    try {
      List<X509Certificate> roots = source.spiffeFormat()
          ? BundleJson.decode(td, text).x509Authorities() : BundlePem.decode(text);
      if (roots.isEmpty()) {
        throw new AgentTerminatedException("the trust bundle " + where + " has no X.509 authority");
      }
      return roots;
    } catch (InvalidPemException | InvalidBundleException e) {
      throw new AgentTerminatedException("the trust bundle " + where + " is malformed: "
          + e.getMessage(), e);
    }
  }

  /** Stops the agent; later calls do nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closing = true;
    loop.interrupt();
    if (changes != null) {
      changes.close();
    }
    workloadApi.close();
    if (handshake != null) {
      handshake.close();
    }
    client.close();
    attestors.shutdownNow();
    try {
      loop.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    audit.close();
  }
}
