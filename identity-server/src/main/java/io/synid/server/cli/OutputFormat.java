package io.synid.server.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The value of {@code -output}: SPIRE's human layout, or the protojson of the response. */
public enum OutputFormat {
  PRETTY,
  JSON;

  /** Accepts {@code pretty}, {@code prettyprint} and {@code json}, in any case (as SPIRE does). */
  public static OutputFormat parse(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "pretty", "prettyprint" -> PRETTY;
      case "json" -> JSON;
      default -> throw new TypeConversionException(
          "bad formatter flag: unknown format option: " + SpireText.quote(value));
    };
  }

  /** picocli converter for {@code -output}. */
  public static final class Converter implements ITypeConverter<OutputFormat> {
    @Override
    public OutputFormat convert(String value) {
      return parse(value);
    }
  }
}
