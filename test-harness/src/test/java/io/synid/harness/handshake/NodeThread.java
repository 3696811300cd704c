package io.synid.harness.handshake;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A thread living in a network namespace and (optionally) a workload cgroup. Sockets created by
 * {@link #call} belong to that namespace and cgroup for their whole life, whichever thread uses
 * them later; connect() and listen() must run here too, since the kernel reads the current
 * task's cgroup there.
 */
final class NodeThread implements AutoCloseable {

  private final String name;
  private final ExecutorService executor;

  NodeThread(String name, Path netns, Optional<Path> cgroup, TestCgroups cgroups) throws Exception {
    this.name = name;
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "node-" + name);
      t.setDaemon(true);
      return t;
    });
    call(() -> {
      int fd = LinuxCalls.LIBC.open(netns.toString(), LinuxCalls.O_RDONLY | LinuxCalls.O_CLOEXEC);
      if (fd < 0) {
        throw new IllegalStateException("cannot open " + netns);
      }
      try {
        // Network namespaces are per thread: only this thread moves.
        if (LinuxCalls.LIBC.setns(fd, LinuxCalls.CLONE_NEWNET) != 0) {
          throw new IllegalStateException("setns into " + netns + " failed");
        }
      } finally {
        LinuxCalls.LIBC.close(fd);
      }
      if (cgroup.isPresent()) {
        cgroups.place(cgroup.get(), LinuxCalls.LIBC.gettid());
      }
      return null;
    });
  }

  /** Runs {@code task} on this thread, waiting at most 30 s. */
  <T> T call(Callable<T> task) throws Exception {
    try {
      return executor.submit(task).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new IllegalStateException("node thread " + name + " did not finish in 30 s", e);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
