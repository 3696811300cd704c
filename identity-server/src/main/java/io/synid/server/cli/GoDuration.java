package io.synid.server.cli;

import java.math.BigDecimal;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations written as Go's {@code time.ParseDuration} reads them ({@code 90s}, {@code 1h30m},
 * {@code 1.5h}, {@code 300ms}; a bare {@code 0}), the format of SPIRE's {@code -ttl} on
 * {@code x509 mint} and {@code jwt mint}.
 */
public final class GoDuration {
  private GoDuration() {}

  public static Duration parse(String s) {
    String orig = s;
    boolean negative = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw invalid(orig);
    }
    BigDecimal nanos = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      String number = s.substring(start, i);
      if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
        throw invalid(orig);
      }
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      String unit = s.substring(unitStart, i);
      long scale = switch (unit) {
        case "ns" -> 1L;
        case "us", "\u00b5s", "\u03bcs" -> 1_000L;
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        case "h" -> 3_600_000_000_000L;
        case "" -> throw new TypeConversionException(
            "time: missing unit in duration " + SpireText.quote(orig));
        default -> throw new TypeConversionException(
            "time: unknown unit " + SpireText.quote(unit) + " in duration " + SpireText.quote(orig));
      };
      nanos = nanos.add(new BigDecimal(number.endsWith(".") ? number + "0" : number)
          .multiply(BigDecimal.valueOf(scale)));
    }
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw invalid(orig);
    }
    long n = nanos.longValue();
    return Duration.ofNanos(negative ? -n : n);
  }

  private static TypeConversionException invalid(String s) {
    return new TypeConversionException("time: invalid duration " + SpireText.quote(s));
  }

  /** picocli converter for duration flags. */
  public static final class Converter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return parse(value);
    }
  }

  /** Whole seconds, rounded up, as SPIRE sends a TTL duration; must fit an int32. */
  public static int ceilSeconds(Duration d) throws CliException {
    long seconds = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
    if (seconds != (int) seconds) {
      throw new CliException("invalid value for TTL: overflow converting time.Duration("
          + seconds + ") to int32");
    }
    return (int) seconds;
  }
}
