package io.synid.server.cli.entry;

import static io.synid.server.cli.entry.CreateEntryCommandTest.id;
import static io.synid.server.cli.entry.CreateEntryCommandTest.selector;
import static org.assertj.core.api.Assertions.assertThat;

import io.synid.api.spire.types.Entry;
import org.junit.jupiter.api.Test;

class EntryDiffTest {
  private static final Entry BASE = Entry.newBuilder()
      .setId("e1")
      .setSpiffeId(id("example.org", "/w"))
      .setParentId(id("example.org", "/p"))
      .addSelectors(selector("a", "1"))
      .addSelectors(selector("b", "2"))
      .addFederatesWith("partner.org")
      .addDnsNames("one")
      .addDnsNames("two")
      .setRevisionNumber(3)
      .setCreatedAt(1)
      .build();

  @Test
  void serverManagedFieldsAndOrderOfSetsDoNotCount() {
    Entry same = BASE.toBuilder()
        .setId("")
        .setRevisionNumber(0)
        .setCreatedAt(0)
        .clearSelectors().addSelectors(selector("b", "2")).addSelectors(selector("a", "1"))
        .clearFederatesWith().addFederatesWith("spiffe://partner.org")
        .setAdditionalAttributes(Entry.AdditionalAttributes.getDefaultInstance())
        .build();

    assertThat(EntryDiff.changedFields(BASE, same)).isEmpty();
    assertThat(EntryDiff.identityKey(BASE)).isEqualTo(EntryDiff.identityKey(same));
  }

  @Test
  void everyOperatorFieldIsCompared() {
    Entry other = BASE.toBuilder()
        .setSpiffeId(id("example.org", "/x"))
        .setParentId(id("example.org", "/y"))
        .addSelectors(selector("c", "3"))
        .setX509SvidTtl(1)
        .clearFederatesWith()
        .setAdmin(true)
        .setDownstream(true)
        .setExpiresAt(5)
        .clearDnsNames().addDnsNames("two").addDnsNames("one")
        .setStoreSvid(true)
        .setJwtSvidTtl(2)
        .setHint("h")
        .setAdditionalAttributes(Entry.AdditionalAttributes.newBuilder().setJwtSvidIncludeJti(true))
        .build();

    assertThat(EntryDiff.changedFields(BASE, other)).containsExactly("spiffe_id", "parent_id",
        "selectors", "x509_svid_ttl", "federates_with", "admin", "downstream", "expires_at",
        "dns_names", "store_svid", "jwt_svid_ttl", "hint", "additional_attributes");
  }
}
