package io.synid.harness.handshake;

import io.synid.handshake.DatapathConfig;
import io.synid.handshake.HandshakeDatapath;
import java.nio.file.Path;

/**
 * A loader in its own process, so a test can kill it: {@code <fail-open|fail-closed> <cgroup>
 * <pin dir> <workload cgroup>}. It declares the workload's identity with no verdicts (so every
 * unauthenticated SYN to it is refused), prints {@code ready} and waits to be killed.
 */
public final class LoaderProcess {

  private LoaderProcess() {}

  public static void main(String[] args) throws Exception {
    Path cgroup = Path.of(args[1]);
    DatapathConfig config = args[0].equals("fail-closed") ? DatapathConfig.failClosed(cgroup, Path.of(args[2]))
        : DatapathConfig.failOpen(cgroup);
    HandshakeDatapath datapath = HandshakeDatapath.open(config);
    datapath.setLocalIdentity(HandshakeDatapath.cgroupId(Path.of(args[3])), 5 << 20 | 1, 500);
    System.out.println("ready");
    System.out.flush();
    // Bounded: a forgotten child goes away on its own.
    Thread.sleep(120_000);
  }
}
