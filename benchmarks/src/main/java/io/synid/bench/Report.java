package io.synid.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A benchmark's markdown report. Each line is printed to stderr as soon as it is known (a long
 * run shows its progress) and kept for the report file.
 */
final class Report {
  private final StringBuilder text = new StringBuilder();

  /** Appends one line, formatted in {@link Locale#ROOT} so decimals always use a dot. */
  void line(String format, Object... args) {
    String s = String.format(Locale.ROOT, format, args);
    text.append(s).append('\n');
    System.err.println(s);
  }

  /** The line every report starts with: the machine the figures come from. */
  void machine() throws IOException {
    line("Machine: %d cores, %s, Java %s; %s", Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name") + " " + System.getProperty("os.version"),
        System.getProperty("java.version"), loadAverage());
    line("");
  }

  /** The 1-, 5- and 15-minute load averages: other work on the machine skews every figure. */
  static String loadAverage() throws IOException {
    String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
    return "load average " + f[0] + " " + f[1] + " " + f[2];
  }

  /** Prints the whole report on stdout and, when {@code out} is not null, writes it there. */
  void finish(Path out) throws IOException {
    System.out.println(text);
    if (out != null) {
      Files.writeString(out, text.toString());
    }
  }
}
