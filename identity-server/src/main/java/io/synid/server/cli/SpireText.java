package io.synid.server.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The few Go formatting conventions that appear in SPIRE's CLI output ({@code %q}, the default
 * text of a {@code time.Time}, count phrases), reproduced so that output parsed by scripts is
 * byte-for-byte the same.
 */
public final class SpireText {
  private static final DateTimeFormatter DATE_TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT);
  private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("xx", Locale.ROOT);
  private static final DateTimeFormatter ZONE_NAME = DateTimeFormatter.ofPattern("zzz", Locale.ROOT);

  private SpireText() {}

  /** Go's {@code %q}: a double-quoted string with Go escapes. */
  public static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      switch (cp) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case 0x07 -> b.append("\\a");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case 0x0b -> b.append("\\v");
        default -> {
          if (cp < 0x20 || cp == 0x7f) {
            b.append(String.format(Locale.ROOT, "\\x%02x", cp));
          } else if (Character.isSurrogate((char) cp)) {
            b.append("\\ufffd");
          } else if (isPrintable(cp)) {
            b.appendCodePoint(cp);
          } else if (cp < 0x10000) {
            b.append(String.format(Locale.ROOT, "\\u%04x", cp));
          } else {
            b.append(String.format(Locale.ROOT, "\\U%08x", cp));
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private static boolean isPrintable(int cp) {
    if (cp < 0x80) {
      return true;
    }
    int type = Character.getType(cp);
    return type != Character.CONTROL && type != Character.FORMAT && type != Character.UNASSIGNED
        && type != Character.PRIVATE_USE && type != Character.LINE_SEPARATOR
        && type != Character.PARAGRAPH_SEPARATOR
        && (type != Character.SPACE_SEPARATOR || cp == ' ');
  }

  /** Go's {@code time.Unix(seconds, 0).UTC().String()}: {@code 2019-03-12 17:04:26 +0000 UTC}. */
  public static String utcTime(long epochSeconds) {
    return time(epochSeconds, ZoneOffset.UTC);
  }

  /** Go's {@code time.Unix(seconds, 0).String()} in the given zone. */
  public static String time(long epochSeconds, ZoneId zone) {
    ZonedDateTime t = Instant.ofEpochSecond(epochSeconds).atZone(zone);
    String name;
    if (zone.normalized().equals(ZoneOffset.UTC)) {
      name = "UTC";
    } else if (zone instanceof ZoneOffset) {
      name = OFFSET.format(t);
    } else {
      name = ZONE_NAME.format(t);
    }
    return DATE_TIME.format(t) + " " + OFFSET.format(t) + " " + name;
  }

  /** {@code prefix + singular} when {@code count == 1}, else {@code prefix + plural}. */
  public static String plural(String prefix, String singular, String plural, long count) {
    return prefix + (count == 1 ? singular : plural);
  }
}
