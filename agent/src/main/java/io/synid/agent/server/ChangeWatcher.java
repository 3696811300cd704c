package io.synid.agent.server;

import io.grpc.Status;
import io.synid.api.node.v1.ChangeNotice;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Keeps a {@code Node/WatchChanges} stream open to the server and passes the notice to
 * {@code onChange} whenever the policy version or the directory counter it announces differs
 * from the last one seen, so that a policy change reaches the kernel without waiting for the
 * next sync. The first notice of every stream counts as a change (one may have been missed
 * while disconnected). A lost
 * stream is reopened after 1 s, doubling up to 30 s; a server without the call (UNIMPLEMENTED)
 * ends the watch and the agent relies on its sync interval alone.
 */
public final class ChangeWatcher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ChangeWatcher.class.getName());
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  private static final Duration MAX_RETRY = Duration.ofSeconds(30);

  /** A notice, or the end of a stream. */
  private record Event(ChangeNotice notice, Throwable error, boolean ended) {}

  private final ServerClient client;
  private final Consumer<ChangeNotice> onChange;
  private final Thread thread;
  private volatile boolean closing;
  private volatile Runnable cancel = () -> {};

  /** Starts watching on a daemon thread. */
  public ChangeWatcher(ServerClient client, Consumer<ChangeNotice> onChange) {
    this.client = client;
    this.onChange = onChange;
    this.thread = new Thread(this::run, "server-change-watch");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    Duration retry = FIRST_RETRY;
    ChangeNotice last = null;
    while (!closing) {
      BlockingQueue<Event> events = new LinkedBlockingQueue<>();
      Throwable error = null;
      try {
        cancel = client.watchChanges(n -> events.add(new Event(n, null, false)),
            t -> events.add(new Event(null, t, true)));
        boolean first = true;
        while (true) {
          Event e = events.take();
          if (e.ended()) {
            error = e.error();
            break;
          }
          if (first || !e.notice().equals(last)) {
            onChange.accept(e.notice());
          }
          if (first) {
            retry = FIRST_RETRY;
          }
          first = false;
          last = e.notice();
        }
      } catch (ServerApiException e) {
        error = e;
      } catch (InterruptedException e) {
        return;
      }
      if (closing) {
        return;
      }
      if (error != null && Status.fromThrowable(error).getCode() == Status.Code.UNIMPLEMENTED) {
        LOG.info("the server does not announce changes; the datapath follows the sync interval");
        return;
      }
      LOG.fine("change watch ended (" + (error == null ? "completed" : error.getMessage())
          + "); reopening in " + retry.toMillis() + " ms");
      try {
        Thread.sleep(retry.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
    }
  }

  @Override
  public void close() {
    closing = true;
    cancel.run();
    thread.interrupt();
  }
}
