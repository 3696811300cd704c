package io.synid.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.api.spire.types.SPIFFEID;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProtoIdsTest {
  @Test
  void parsesAndFormats() throws CliException {
    SPIFFEID id = ProtoIds.parse("spiffe://example.org/ns/default/sa/web");
    assertThat(id.getTrustDomain()).isEqualTo("example.org");
    assertThat(id.getPath()).isEqualTo("/ns/default/sa/web");
    assertThat(ProtoIds.format(id)).isEqualTo("spiffe://example.org/ns/default/sa/web");
    assertThat(ProtoIds.format(SPIFFEID.getDefaultInstance())).isEmpty();
    assertThat(ProtoIds.trustDomainName("spiffe://partner.org")).isEqualTo("partner.org");
    assertThat(ProtoIds.trustDomainName("spiffe://partner.org/with/path")).isEqualTo("partner.org");
    assertThat(ProtoIds.trustDomainName("partner.org")).isEqualTo("partner.org");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''|cannot be empty",
      "example.org/w|scheme is missing or invalid",
      "SPIFFE://example.org/w|scheme is missing or invalid",
      "https://example.org/w|scheme is missing or invalid",
      "spiffe://|trust domain is missing",
      "spiffe:///w|trust domain is missing",
      "spiffe://Example.org/w|trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores",
      "spiffe://example.org:8080/w|trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores",
      "spiffe://user@example.org/w|trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores",
      "spiffe://example.org/w/|path cannot have a trailing slash",
      "spiffe://example.org//w|path cannot contain empty segments",
      "spiffe://example.org/../w|path cannot contain dot segments",
      "spiffe://example.org/w x|path segment characters are limited to letters, numbers, dots, dashes, and underscores",
  })
  void rejectsHostileIdsWithGoSpiffesMessages(String id, String message) {
    assertThatThrownBy(() -> ProtoIds.parse(id)).isInstanceOf(CliException.class).hasMessage(message);
  }

  @Test
  void selectorsSplitAtTheFirstColon() throws CliException {
    assertThat(SelectorFlags.parse("k8s:ns:default").getType()).isEqualTo("k8s");
    assertThat(SelectorFlags.parse("k8s:ns:default").getValue()).isEqualTo("ns:default");
    assertThat(SelectorFlags.parse("t:").getValue()).isEmpty();
    assertThatThrownBy(() -> SelectorFlags.parse("unix")).hasMessage("selector \"unix\" must be formatted as type:value");
  }

  @Test
  void randomInputIsAlwaysACliExceptionOrAValidId() {
    Random random = new Random(7);
    String alphabet = "spiffe:/.-_%?#@Aa0 \u0000é";
    for (int i = 0; i < 20000; i++) {
      StringBuilder s = new StringBuilder(random.nextBoolean() ? "spiffe://" : "");
      int n = random.nextInt(24);
      for (int k = 0; k < n; k++) {
        s.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      try {
        SPIFFEID id = ProtoIds.parse(s.toString());
        assertThat(ProtoIds.format(id)).isEqualTo(s.toString());
      } catch (CliException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      }
    }
  }
}
