package io.synid.harness.handshake;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Fails (never skips) with a clear message when the kernel tests cannot run here. */
public final class KernelPrerequisites {

  private KernelPrerequisites() {}

  /** The cgroup v2 mount point, read from /proc/self/mounts (hybrid layouts put it elsewhere). */
  public static Path cgroup2Mount() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
        String[] f = line.split(" ");
        if (f.length > 2 && f[2].equals("cgroup2")) {
          return Path.of(f[1]);
        }
      }
    } catch (IOException e) {
      fail("cannot read /proc/self/mounts: " + e.getMessage());
    }
    return fail("no cgroup2 mount: the handshake tests need cgroup v2");
  }

  /** Checks root, BTF, the tools, and returns the cgroup v2 mount. */
  public static Path check() {
    String user = System.getProperty("user.name");
    if (!"root".equals(user)) {
      fail("the handshake kernel tests need root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN); running as " + user);
    }
    if (!Files.exists(Path.of("/sys/kernel/btf/vmlinux"))) {
      fail("the kernel has no BTF (/sys/kernel/btf/vmlinux): eBPF tests cannot run");
    }
    for (String tool : List.of("/usr/sbin/ip", "/usr/bin/mount")) {
      if (!Files.isExecutable(Path.of(tool)) && !Files.isExecutable(Path.of(tool.replace("/usr", "")))) {
        fail("missing " + tool + ": install the Debian packages iproute2 and mount");
      }
    }
    return cgroup2Mount();
  }
}
