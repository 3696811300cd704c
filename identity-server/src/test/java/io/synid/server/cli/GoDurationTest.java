package io.synid.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine.TypeConversionException;

class GoDurationTest {
  @ParameterizedTest
  @CsvSource({
      "0, PT0S", "90s, PT1M30S", "1h30m, PT1H30M", "1.5h, PT1H30M", "300ms, PT0.3S", "2us, PT0.000002S",
      "-5m, PT-5M", "+1s, PT1S", "1h0m0s, PT1H", "1.s, PT1S", ".5s, PT0.5S",
  })
  void parsesGoDurations(String text, String iso) {
    assertThat(GoDuration.parse(text)).isEqualTo(Duration.parse(iso));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "300|time: missing unit in duration \"300\"",
      "5d|time: unknown unit \"d\" in duration \"5d\"",
      "''|time: invalid duration \"\"",
      "h|time: invalid duration \"h\"",
      "1..2s|time: invalid duration \"1..2s\"",
      "-|time: invalid duration \"-\"",
  })
  void rejectsWhatGoRejects(String text, String message) {
    assertThatThrownBy(() -> GoDuration.parse(text)).isInstanceOf(TypeConversionException.class)
        .hasMessage(message);
  }

  @Test
  void ttlSecondsRoundUp() throws CliException {
    assertThat(GoDuration.ceilSeconds(Duration.ofMillis(1500))).isEqualTo(2);
    assertThat(GoDuration.ceilSeconds(Duration.ZERO)).isZero();
    assertThatThrownBy(() -> GoDuration.ceilSeconds(Duration.ofDays(30000)))
        .hasMessageStartingWith("invalid value for TTL: overflow");
  }
}
