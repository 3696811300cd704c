package io.synid.server.agentapi;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.synid.api.node.v1.ChangeNotice;
import io.synid.server.datastore.Datastore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The server side of {@code Node/WatchChanges}: tells watching agents that the policy version or
 * the directory counter moved, so that a policy change reaches the kernels in milliseconds
 * instead of at each agent's next sync.
 *
 * <p>The two counters are read every {@link #POLL} while at least one agent watches (two
 * one-row reads), so that changes committed by another server on the same PostgreSQL are
 * announced too; {@link #poke()} checks at once after a change made through this server. All
 * reads and sends run on one thread, so every stream sees notices in order and each stream's
 * first notice is the state when it opened. Directory changes alone are announced at most once
 * per {@link #DIRECTORY_SPACING}.
 */
final class ChangeWatch implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ChangeWatch.class.getName());

  /** How often the counters are read while someone watches. */
  static final Duration POLL = Duration.ofMillis(100);
  /**
   * Least time between two notices for directory changes alone: entry churn (a controller
   * deleting entries one by one) moves the directory counter many times a second, and each
   * notice makes every agent ask for the directory. A policy change is announced at once, with
   * the directory counter as it is then.
   */
  static final Duration DIRECTORY_SPACING = Duration.ofSeconds(1);
  /** Most open streams per agent; a well-behaved agent holds one. */
  static final int MAX_WATCHES_PER_AGENT = 4;

  private final Datastore datastore;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "node-change-watch");
    t.setDaemon(true);
    return t;
  });
  private final Map<ServerCallStreamObserver<ChangeNotice>, String> watchers =
      new ConcurrentHashMap<>();
  private ChangeNotice last;
  /** System.nanoTime() of the last notice that moved the directory counter (one thread). */
  private long lastDirectoryNotice;
  /** What each stream was last sent (touched by the one thread only). */
  private final Map<ServerCallStreamObserver<ChangeNotice>, ChangeNotice> sent =
      new ConcurrentHashMap<>();

  ChangeWatch(Datastore datastore) {
    this.datastore = datastore;
    datastore.policies().onChange(this::poke);
    thread.scheduleWithFixedDelay(this::check, POLL.toMillis(), POLL.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Opens a watch for {@code agentId}; its first notice is the current state. */
  void watch(String agentId, StreamObserver<ChangeNotice> out) {
    ServerCallStreamObserver<ChangeNotice> stream = (ServerCallStreamObserver<ChangeNotice>) out;
    synchronized (watchers) {
      long open = watchers.values().stream().filter(agentId::equals).count();
      if (open >= MAX_WATCHES_PER_AGENT) {
        out.onError(Status.RESOURCE_EXHAUSTED.withDescription("at most " + MAX_WATCHES_PER_AGENT
            + " open WatchChanges streams per agent").asRuntimeException());
        return;
      }
      watchers.put(stream, agentId);
    }
    stream.setOnCancelHandler(() -> {
      watchers.remove(stream);
      sent.remove(stream);
    });
    thread.execute(() -> {
      ChangeNotice now = read();
      if (now != null) {
        send(stream, now);
      }
    });
  }

  /** Checks the counters now (after a change made through this server). */
  void poke() {
    thread.execute(this::check);
  }

  /** How many streams are open (for tests). */
  int watching() {
    return watchers.size();
  }

  private void check() {
    if (watchers.isEmpty()) {
      last = null;
      return;
    }
    ChangeNotice now = read();
    if (now == null || now.equals(last)) {
      return;
    }
    boolean directoryMoved = last == null || now.getDirectoryCounter() != last.getDirectoryCounter();
    boolean policyMoved = last == null || now.getPolicyVersion() != last.getPolicyVersion();
    long at = System.nanoTime();
    if (!policyMoved && at - lastDirectoryNotice < DIRECTORY_SPACING.toNanos()) {
      return; // a later poll announces it, with whatever else moved by then
    }
    if (directoryMoved) {
      lastDirectoryNotice = at;
    }
    last = now;
    watchers.keySet().forEach(stream -> send(stream, now));
  }

  private ChangeNotice read() {
    try {
      return ChangeNotice.newBuilder().setPolicyVersion(datastore.policies().version())
          .setDirectoryCounter(datastore.directory().revision()).build();
    } catch (RuntimeException e) {
      // The datastore is unreachable: nothing to announce; the next poll tries again.
      LOG.log(Level.FINE, "change watch: cannot read the counters", e);
      return null;
    }
  }

  private void send(ServerCallStreamObserver<ChangeNotice> stream, ChangeNotice notice) {
    if (stream.isCancelled()) {
      watchers.remove(stream);
      sent.remove(stream);
      return;
    }
    // A stream opened just before a poll would otherwise get its first notice twice.
    if (notice.equals(sent.put(stream, notice))) {
      return;
    }
    try {
      stream.onNext(notice);
    } catch (RuntimeException e) {
      watchers.remove(stream);
    }
  }

  /** Ends every stream (agents reconnect to whichever server answers) and stops polling. */
  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ServerCallStreamObserver<ChangeNotice> stream : watchers.keySet()) {
      try {
        stream.onCompleted();
      } catch (RuntimeException ignored) {
        // Already cancelled.
      }
    }
    watchers.clear();
  }
}
