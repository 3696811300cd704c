package io.synid.handshake;

import io.synid.handshake.ffi.LibBpf;
import io.synid.handshake.ffi.LibC;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Loads libbpf and libc once per JVM and keeps libbpf's log.
 *
 * <p>libbpf reports why a load failed (the verifier's log included) only through its print
 * callback, so every line is kept in a small ring and handed to {@link DatapathException}s.
 */
final class NativeLibraries {

  private static final int LOG_LINES = 400;
  private static final NativeLibraries INSTANCE = new NativeLibraries();

  final LibBpf bpf;
  final LibC libc;
  final Runtime runtime;
  private final Deque<String> log = new ArrayDeque<>();
  // Held so the native callback stub is not collected while libbpf may call it.
  private final LibBpf.PrintCallback printCallback;

  private NativeLibraries() {
    libc = LibraryLoader.create(LibC.class).load("c");
    bpf = loadLibBpf();
    runtime = Runtime.getRuntime(bpf);
    printCallback = (level, format, args) -> {
      Pointer buf = Memory.allocateDirect(Runtime.getRuntime(libc), 2048);
      int n = libc.vsnprintf(buf, 2048, format, args);
      if (n > 0) {
        record(buf.getString(0).stripTrailing());
      }
      return 0;
    };
    bpf.libbpf_set_print(printCallback);
  }

  static NativeLibraries get() {
    return INSTANCE;
  }

  private static LibBpf loadLibBpf() {
    UnsatisfiedLinkError first = null;
    // Debian ships the unversioned libbpf.so only in libbpf-dev; the runtime package has libbpf.so.1.
    for (String name : new String[] {"bpf", "libbpf.so.1"}) {
      try {
        return LibraryLoader.create(LibBpf.class)
            .search("/usr/lib/x86_64-linux-gnu")
            .search("/usr/lib/aarch64-linux-gnu")
            .search("/usr/lib64")
            .load(name);
      } catch (UnsatisfiedLinkError e) {
        if (first == null) {
          first = e;
        }
      }
    }
    throw new IllegalStateException("libbpf not found: install the Debian package libbpf1", first);
  }

  private synchronized void record(String line) {
    if (log.size() == LOG_LINES) {
      log.removeFirst();
    }
    log.addLast(line);
  }

  /** Clears the log before an operation whose failure should report only its own lines. */
  synchronized void clearLog() {
    log.clear();
  }

  /** The last lines libbpf printed. */
  synchronized List<String> logLines() {
    return new ArrayList<>(log);
  }

  int errno() {
    return runtime.getLastError();
  }
}
