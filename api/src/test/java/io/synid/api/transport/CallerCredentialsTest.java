package io.synid.api.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CallerCredentials#startTimeOf} and {@link CallerCredentials#stillConnectedProcess} against
 * real child processes. Each child runs {@code cat}, which lives exactly until its stdin is
 * closed, so "still running" and "exited" are decided by the test, not by a timer.
 */
class CallerCredentialsTest {
  @TempDir Path tmp;
  private Process child;

  @AfterEach
  void reap() throws InterruptedException {
    if (child != null && child.isAlive()) {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private Process start(String executable) throws IOException {
    child = new ProcessBuilder(executable).redirectErrorStream(true).start();
    return child;
  }

  private static void end(Process process) throws Exception {
    process.getOutputStream().close();
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("the child exits when stdin closes").isTrue();
    assertThat(process.exitValue()).isZero();
  }

  private static String cat() {
    return Files.isExecutable(Path.of("/bin/cat")) ? "/bin/cat" : "/usr/bin/cat";
  }

  @Test
  void aRunningChildIsStillConnectedAndNoLongerOnceItExited() throws Exception {
    Process process = start(cat());
    int pid = (int) process.pid();
    long startTime = CallerCredentials.startTimeOf(pid);
    CallerCredentials credentials = new CallerCredentials(pid, 1000, 1000, startTime);

    assertThat(startTime).isPositive();
    assertThat(CallerCredentials.startTimeOf(pid)).as("stable while it runs").isEqualTo(startTime);
    assertThat(startTime).as("a child starts after its parent")
        .isGreaterThanOrEqualTo(CallerCredentials.startTimeOf((int) ProcessHandle.current().pid()));
    assertThat(credentials.stillConnectedProcess()).isTrue();

    end(process);

    assertThat(CallerCredentials.startTimeOf(pid)).isEqualTo(-1);
    assertThat(credentials.stillConnectedProcess()).isFalse();
  }

  @Test
  void aBogusStartTimeIsNotTheConnectedProcess() throws Exception {
    Process process = start(cat());
    int pid = (int) process.pid();
    long startTime = CallerCredentials.startTimeOf(pid);

    assertThat(new CallerCredentials(pid, 0, 0, startTime + 1).stillConnectedProcess()).isFalse();
    assertThat(new CallerCredentials(pid, 0, 0, startTime - 1).stillConnectedProcess()).isFalse();
    assertThat(new CallerCredentials(pid, 0, 0, 0).stillConnectedProcess()).isFalse();
    assertThat(new CallerCredentials(pid, 0, 0).stillConnectedProcess())
        .as("no start time recorded").isFalse();
    assertThat(new CallerCredentials(pid, 0, 0, startTime).stillConnectedProcess()).isTrue();
  }

  @Test
  void pidsThatNameNoProcessHaveNoStartTime() {
    assertThat(CallerCredentials.startTimeOf(0)).isEqualTo(-1);
    assertThat(CallerCredentials.startTimeOf(-1)).isEqualTo(-1);
    assertThat(CallerCredentials.startTimeOf(Integer.MAX_VALUE)).isEqualTo(-1);
    assertThat(new CallerCredentials(Integer.MAX_VALUE, 0, 0, 0).stillConnectedProcess()).isFalse();
  }

  @Test
  void aCommandNameWithSpacesAndParenthesesIsParsedFromTheLastParenthesis() throws Exception {
    Path weird = tmp.resolve("x) 1 2 (y");
    Files.createSymbolicLink(weird, Path.of(cat()));
    Process process = start(weird.toString());
    int pid = (int) process.pid();
    assertThat(Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII))
        .as("the kernel's command name").contains("(x) 1 2 (y)");

    long startTime = CallerCredentials.startTimeOf(pid);

    assertThat(startTime).isEqualTo(expectedStartTicks(process));
    assertThat(new CallerCredentials(pid, 0, 0, startTime).stillConnectedProcess()).isTrue();
    end(process);
  }

  @Test
  void theExecutableOfTheCallerIsReadFromProc() throws Exception {
    Process process = start(cat());
    CallerCredentials credentials = new CallerCredentials((int) process.pid(), 0, 0);

    assertThat(credentials.executablePath()).contains(Path.of(cat()).toRealPath().toString());
    end(process);
    assertThat(credentials.executablePath()).isEmpty();
  }

  /**
   * The start time in clock ticks since boot, computed independently of {@code /proc/<pid>/stat}'s
   * parsing: from the JDK's start instant, the boot time and the tick rate. The JDK's instant is
   * rounded to milliseconds, so the result is rounded to the nearest tick.
   */
  private static long expectedStartTicks(Process process) throws Exception {
    Instant started = process.info().startInstant().orElseThrow();
    long bootSeconds = Files.readAllLines(Path.of("/proc/stat")).stream()
        .filter(l -> l.startsWith("btime ")).mapToLong(l -> Long.parseLong(l.substring(6).trim()))
        .findFirst().orElseThrow();
    Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
    long ticksPerSecond = Long.parseLong(new String(getconf.getInputStream().readAllBytes(),
        StandardCharsets.US_ASCII).trim());
    getconf.waitFor(10, TimeUnit.SECONDS);
    long millisSinceBoot = Duration.between(Instant.ofEpochSecond(bootSeconds), started).toMillis();
    return Math.round(millisSinceBoot * ticksPerSecond / 1000.0);
  }
}
