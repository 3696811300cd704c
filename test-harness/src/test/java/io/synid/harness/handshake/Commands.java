package io.synid.harness.handshake;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the system tools the fixtures need (ip, mount), each bounded in time. */
final class Commands {

  private Commands() {}

  /** Runs a command; fails with its output when it exits non-zero or takes over 20 s. */
  static String run(String... command) {
    return run(true, command);
  }

  /** Runs a command; with {@code check} false a failure is returned, not thrown (for cleanup). */
  static String run(boolean check, String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + List.of(command));
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (check && p.exitValue() != 0) {
        throw new IllegalStateException(List.of(command) + " exited " + p.exitValue() + ": " + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + List.of(command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + List.of(command), e);
    }
  }
}
