package io.synid.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpireTextTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "OK|`\"OK\"`",
      "`say \"hi\"`|`\"say \\\"hi\\\"\"`",
      "`back\\slash`|`\"back\\\\slash\"`",
      "é ünïcode|`\"é ünïcode\"`",
  })
  void quoteIsGosPercentQ(String in, String out) {
    assertThat(SpireText.quote(in)).isEqualTo(out);
  }

  @Test
  void quoteEscapesControlCharacters() {
    assertThat(SpireText.quote("a\nb\tc\u0001\u007f\u0007")).isEqualTo("\"a\\nb\\tc\\x01\\x7f\\a\"");
    assertThat(SpireText.quote("\u200b")).isEqualTo("\"\\u200b\"");
  }

  @Test
  void timesPrintAsGosTimeString() {
    assertThat(SpireText.utcTime(1552410266)).isEqualTo("2019-03-12 17:04:26 +0000 UTC");
    assertThat(SpireText.time(1552410266, ZoneOffset.UTC)).isEqualTo("2019-03-12 17:04:26 +0000 UTC");
    assertThat(SpireText.time(1552410266, ZoneId.of("Europe/Paris"))).isEqualTo("2019-03-12 18:04:26 +0100 CET");
    assertThat(SpireText.time(1562410266, ZoneId.of("Europe/Paris"))).isEqualTo("2019-07-06 12:51:06 +0200 CEST");
    assertThat(SpireText.time(0, ZoneOffset.ofHours(3))).isEqualTo("1970-01-01 03:00:00 +0300 +0300");
  }

  @Test
  void plural() {
    assertThat(SpireText.plural("Found 1 ", "entry", "entries", 1)).isEqualTo("Found 1 entry");
    assertThat(SpireText.plural("Found 0 ", "entry", "entries", 0)).isEqualTo("Found 0 entries");
  }
}
