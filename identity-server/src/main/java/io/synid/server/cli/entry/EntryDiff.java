package io.synid.server.cli.entry;

import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.Selector;
import io.synid.server.cli.ProtoIds;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which operator-set fields of an entry differ between what the server holds and what a file
 * asks for. Server-managed fields (ID, revision, creation time) are not compared; selectors and
 * federated trust domains compare as sets; DNS names compare in order (the first one is the
 * SVID's common name).
 */
final class EntryDiff {
  private EntryDiff() {}

  /** The proto names of the differing fields, in proto order; empty when equal. */
  static List<String> changedFields(Entry existing, Entry desired) {
    List<String> changed = new ArrayList<>();
    if (!ProtoIds.format(existing.getSpiffeId()).equals(ProtoIds.format(desired.getSpiffeId()))) {
      changed.add("spiffe_id");
    }
    if (!ProtoIds.format(existing.getParentId()).equals(ProtoIds.format(desired.getParentId()))) {
      changed.add("parent_id");
    }
    if (!selectorSet(existing.getSelectorsList()).equals(selectorSet(desired.getSelectorsList()))) {
      changed.add("selectors");
    }
    if (existing.getX509SvidTtl() != desired.getX509SvidTtl()) {
      changed.add("x509_svid_ttl");
    }
    if (!trustDomains(existing.getFederatesWithList()).equals(trustDomains(desired.getFederatesWithList()))) {
      changed.add("federates_with");
    }
    if (existing.getAdmin() != desired.getAdmin()) {
      changed.add("admin");
    }
    if (existing.getDownstream() != desired.getDownstream()) {
      changed.add("downstream");
    }
    if (existing.getExpiresAt() != desired.getExpiresAt()) {
      changed.add("expires_at");
    }
    if (!existing.getDnsNamesList().equals(desired.getDnsNamesList())) {
      changed.add("dns_names");
    }
    if (existing.getStoreSvid() != desired.getStoreSvid()) {
      changed.add("store_svid");
    }
    if (existing.getJwtSvidTtl() != desired.getJwtSvidTtl()) {
      changed.add("jwt_svid_ttl");
    }
    if (!existing.getHint().equals(desired.getHint())) {
      changed.add("hint");
    }
    // An absent message and one with every attribute false mean the same.
    if (!existing.getAdditionalAttributes().equals(desired.getAdditionalAttributes())) {
      changed.add("additional_attributes");
    }
    return changed;
  }

  /** SPIFFE ID, parent ID and selector set: what makes two entries the same to the server. */
  static String identityKey(Entry e) {
    return ProtoIds.format(e.getSpiffeId()) + "\n" + ProtoIds.format(e.getParentId()) + "\n"
        + String.join("\n", selectorSet(e.getSelectorsList()));
  }

  static Set<String> selectorSet(List<Selector> selectors) {
    Set<String> set = new TreeSet<>();
    for (Selector s : selectors) {
      set.add(s.getType() + ":" + s.getValue());
    }
    return set;
  }

  private static Set<String> trustDomains(List<String> names) {
    Set<String> set = new TreeSet<>();
    for (String name : names) {
      set.add(name.startsWith("spiffe://") ? name.substring("spiffe://".length()) : name);
    }
    return set;
  }
}
