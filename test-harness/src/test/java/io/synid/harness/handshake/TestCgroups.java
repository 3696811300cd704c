package io.synid.harness.handshake;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A private cgroup v2 subtree in threaded mode, so that single threads of this JVM can act as
 * workloads of different cgroups (the kernel programs key identities by the socket's cgroup).
 * {@link #close()} moves the JVM back where it was and removes the subtree.
 */
final class TestCgroups implements AutoCloseable {

  private final Path mount;
  private final Path root;
  private final String original;
  private boolean entered;

  TestCgroups(Path mount, String name) throws IOException {
    this.mount = mount;
    this.root = mount.resolve(name);
    this.original = originalCgroup();
    Files.createDirectories(root);
  }

  Path root() {
    return root;
  }

  /** Creates {@code relative} under the root, every level threaded. */
  Path threaded(String relative) throws IOException {
    Path p = root;
    for (Path part : Path.of(relative)) {
      p = p.resolve(part.toString());
      if (!Files.isDirectory(p)) {
        Files.createDirectory(p);
        Files.writeString(p.resolve("cgroup.type"), "threaded");
      }
    }
    return p;
  }

  /** Moves the whole JVM into the root (the threaded domain); threads start there. */
  void enter() throws IOException {
    Files.writeString(root.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
    entered = true;
  }

  /** Moves one thread (by kernel tid) into a threaded cgroup of this subtree. */
  void place(Path cgroup, int tid) throws IOException {
    Files.writeString(cgroup.resolve("cgroup.threads"), Integer.toString(tid));
  }

  @Override
  public void close() throws IOException {
    if (entered) {
      Files.writeString(mount.resolve(original.substring(1)).resolve("cgroup.procs"),
          Long.toString(ProcessHandle.current().pid()));
    }
    List<Path> dirs = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      walk.filter(Files::isDirectory).forEach(dirs::add);
    }
    dirs.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    IOException first = null;
    for (Path d : dirs) {
      try {
        Files.delete(d);
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static String originalCgroup() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
      if (line.startsWith("0::")) {
        return line.substring(3);
      }
    }
    throw new IOException("this process has no cgroup v2 membership");
  }
}
