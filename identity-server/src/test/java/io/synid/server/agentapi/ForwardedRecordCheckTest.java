package io.synid.server.agentapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** What {@code ForwardAudit} accepts as a record: {@link NodeService#checkRecord}. */
class ForwardedRecordCheckTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "{\"schema\":\"synid.audit/v1\",\"seq\":1}",
      "{\"a\":{\"schema\":\"x\"},\"schema\":\"synid.audit/v2\",\"b\":[1,{\"c\":[]}]}",
      "  {\"schema\":\"synid.audit/v1\"}  ",
      "{\"schema\":\"synid.audit/v1\",\"text\":\"\\u2028 \\\" }\"}",
  })
  void accepts(String record) {
    assertThat(NodeService.checkRecord(record)).isNull();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "``|not a JSON object",
      "`   `|not a JSON object",
      "[{\"schema\":\"synid.audit/v1\"}]|not a JSON object",
      "\"synid.audit/v1\"|not a JSON object",
      "42|not a JSON object",
      "null|not a JSON object",
      "{\"schema\":\"synid.audit/v1\"|not JSON",
      "{\"schema\":\"synid.audit/v1\",}|not JSON",
      "{\"schema\":synid}|not JSON",
      "{\"schema\":\"synid.audit/v1\"}}|not JSON",
      "{\"schema\":\"synid.audit/v1\"} {}|not JSON: content after the object",
      "{\"schema\":\"synid.audit/v1\"} x|not JSON",
      "{}|no \"schema\": \"synid.audit/...\" field",
      "{\"schema\":\"other/v1\"}|no \"schema\": \"synid.audit/...\" field",
      "{\"schema\":7}|no \"schema\": \"synid.audit/...\" field",
      "{\"schema\":[\"synid.audit/v1\"]}|no \"schema\": \"synid.audit/...\" field",
      "{\"x\":{\"schema\":\"synid.audit/v1\"}}|no \"schema\": \"synid.audit/...\" field",
      "{\"schema\":\"synid.audit/v1\",\"schema\":\"other\"}|no \"schema\": \"synid.audit/...\" field",
  })
  void refuses(String record, String why) {
    assertThat(NodeService.checkRecord(record)).isEqualTo(why);
  }

  @Test
  void refusesOversizedRecords() {
    String big = "{\"schema\":\"synid.audit/v1\",\"pad\":\"" + "x".repeat(NodeService.MAX_RECORD_LENGTH) + "\"}";
    assertThat(NodeService.checkRecord(big)).isEqualTo("longer than 65536 characters");
  }

  @Test
  void randomInputIsRefusedOrAcceptedNeverThrows() {
    Random random = new Random(42);
    String alphabet = "{}[]\":,\\ 0123456789.-+eEtrufalsn\u2028\u00e9schema/synid.audit";
    String valid = "{\"schema\":\"synid.audit/v1\",\"n\":[1,2,{\"a\":\"b\"}]}";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      if (i % 2 == 0) {
        // Mutations of a valid record: a few characters replaced, dropped or inserted.
        b.append(valid);
        for (int k = 0, n = 1 + random.nextInt(3); k < n && b.length() > 0; k++) {
          int at = random.nextInt(b.length());
          char c = alphabet.charAt(random.nextInt(alphabet.length()));
          switch (random.nextInt(3)) {
            case 0 -> b.setCharAt(at, c);
            case 1 -> b.deleteCharAt(at);
            default -> b.insert(at, c);
          }
        }
      } else {
        for (int k = 0, n = random.nextInt(40); k < n; k++) {
          b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
      }
      String why = NodeService.checkRecord(b.toString());
      assertThat(why == null || why.startsWith("not ") || why.startsWith("no \"schema\""))
          .as("%s -> %s", b, why).isTrue();
    }
  }
}
