package io.synid.server.cli.entry;

import static io.synid.server.cli.entry.CreateEntryCommandTest.id;
import static io.synid.server.cli.entry.CreateEntryCommandTest.selector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.api.spire.types.Entry;
import io.synid.server.cli.CliException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EntryFileTest {
  private static List<Entry> parse(String json) throws CliException {
    return EntryFile.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyFieldOfSpiresFormat() throws CliException {
    List<Entry> entries = parse("""
        {"entries": [{
          "entry_id": "e1",
          "spiffe_id": "spiffe://example.org/web",
          "parent_id": "spiffe://example.org/agent",
          "selectors": [{"type": "unix", "value": "uid:1000"}, {"type": "k8s", "value": "ns:default"}],
          "x509_svid_ttl": 3600, "jwt_svid_ttl": 300,
          "federates_with": ["spiffe://partner.org", "third.org"],
          "admin": true, "downstream": true, "store_svid": true,
          "entryExpiry": 1900000000, "dns_names": ["web.example.org", "web"],
          "revision_number": 4, "created_at": 1700000000, "hint": "frontend",
          "additional_attributes": {"disable_x509_svid_prefetch": true, "jwt_svid_include_jti": true}
        }]}
        """);

    assertThat(entries).containsExactly(Entry.newBuilder()
        .setId("e1")
        .setSpiffeId(id("example.org", "/web"))
        .setParentId(id("example.org", "/agent"))
        .addSelectors(selector("unix", "uid:1000"))
        .addSelectors(selector("k8s", "ns:default"))
        .setX509SvidTtl(3600)
        .setJwtSvidTtl(300)
        .addFederatesWith("partner.org")
        .addFederatesWith("third.org")
        .setAdmin(true)
        .setDownstream(true)
        .setStoreSvid(true)
        .setExpiresAt(1900000000)
        .addDnsNames("web.example.org")
        .addDnsNames("web")
        .setRevisionNumber(4)
        .setCreatedAt(1700000000)
        .setHint("frontend")
        .setAdditionalAttributes(Entry.AdditionalAttributes.newBuilder()
            .setDisableX509SvidPrefetch(true).setJwtSvidIncludeJti(true))
        .build());
  }

  @Test
  void namesMatchCaseInsensitivelyUnknownOnesAreIgnoredNullsLeaveZeroLastDuplicateWins()
      throws CliException {
    List<Entry> entries = parse("""
        {"Entries": [{"SPIFFE_ID": "spiffe://example.org/a", "Parent_Id": "spiffe://example.org/p",
          "selectors": [{"TYPE": "t", "Value": "v", "extra": 1}], "ttl": 5, "hint": null,
          "x509_svid_ttl": 1, "X509_SVID_TTL": 2, "comment": {"any": ["thing"]}}]}
        """);

    assertThat(entries).hasSize(1);
    Entry e = entries.get(0);
    assertThat(e.getSpiffeId()).isEqualTo(id("example.org", "/a"));
    assertThat(e.getParentId()).isEqualTo(id("example.org", "/p"));
    assertThat(e.getSelectorsList()).containsExactly(selector("t", "v"));
    assertThat(e.getX509SvidTtl()).isEqualTo(2);
    assertThat(e.getHint()).isEmpty();
    assertThat(e.hasAdditionalAttributes()).isFalse();
  }

  @Test
  void emptyDocumentsHoldNoEntries() throws CliException {
    assertThat(parse("{}")).isEmpty();
    assertThat(parse("null")).isEmpty();
    assertThat(parse("{\"entries\": null}")).isEmpty();
    assertThat(parse("{\"entries\": []}")).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "[]|json: cannot unmarshal array into Go value of type common.RegistrationEntries",
      "{\"entries\": {}}|json: cannot unmarshal object into Go struct field RegistrationEntries.entries of type []*common.RegistrationEntry",
      "{\"entries\": [1]}|json: cannot unmarshal number 1 into Go struct field RegistrationEntries.entries of type common.RegistrationEntry",
      "{\"entries\": [null]}|missing registration entry",
      "{\"entries\": [{\"x509_svid_ttl\": \"5\"}]}|json: cannot unmarshal string into Go struct field RegistrationEntry.entries.x509_svid_ttl of type int32",
      "{\"entries\": [{\"x509_svid_ttl\": 1.5}]}|json: cannot unmarshal number 1.5 into Go struct field RegistrationEntry.entries.x509_svid_ttl of type int32",
      "{\"entries\": [{\"x509_svid_ttl\": 4000000000}]}|json: cannot unmarshal number 4000000000 into Go struct field RegistrationEntry.entries.x509_svid_ttl of type int32",
      "{\"entries\": [{\"admin\": \"true\"}]}|json: cannot unmarshal string into Go struct field RegistrationEntry.entries.admin of type bool",
      "{\"entries\": [{\"spiffe_id\": \"x\"}]}|invalid SPIFFE ID: scheme is missing or invalid",
      "{\"entries\": [{}]}|invalid SPIFFE ID: cannot be empty",
      "{\"entries\": [{\"spiffe_id\": \"spiffe://a/b\"}]}|invalid parent ID: cannot be empty",
      "{\"entries\": [{\"spiffe_id\": \"spiffe://a/b\", \"parent_id\": \"spiffe://a/c\", \"federates_with\": [\"bad td\"]}]}|invalid federated trust domain: trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores",
      "{|unexpected end of JSON input",
      "''|unexpected end of JSON input",
  })
  void invalidDocuments(String json, String message) {
    assertThatThrownBy(() -> parse(json)).isInstanceOf(CliException.class).hasMessage(message);
  }

  @Test
  void randomBytesNeverEscapeAsAnythingButCliException() {
    Random random = new Random(42);
    for (int i = 0; i < 2000; i++) {
      byte[] junk = new byte[random.nextInt(64)];
      random.nextBytes(junk);
      try {
        EntryFile.parse(junk);
      } catch (CliException expected) {
        // fine: reported to the operator
      }
    }
    String valid = "{\"entries\":[{\"spiffe_id\":\"spiffe://a/b\",\"parent_id\":\"spiffe://a/c\","
        + "\"selectors\":[{\"type\":\"t\",\"value\":\"v\"}],\"federates_with\":[\"x\"]}]}";
    for (int i = 0; i < 2000; i++) {
      char[] chars = valid.toCharArray();
      chars[random.nextInt(chars.length)] = (char) (32 + random.nextInt(95));
      try {
        EntryFile.parse(new String(chars).getBytes(StandardCharsets.UTF_8));
      } catch (CliException expected) {
        // fine
      }
    }
  }
}
