package io.synid.server.admin;

import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.EntryMask;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.server.entry.InvalidEntryException;
import io.synid.server.entry.RegistrationEntry;
import java.util.ArrayList;
import java.util.List;

/** Conversions between {@code spire.api.types} messages and the server's domain values. */
public final class ProtoEntries {
  private ProtoEntries() {}

  /** "spiffe://td/path" from the API's split form; rejects malformed parts. */
  static String spiffeId(String field, SPIFFEID id) throws InvalidEntryException {
    if (id.getTrustDomain().isEmpty()) {
      throw new InvalidEntryException("invalid " + field + ": trust domain is missing");
    }
    try {
      return SpiffeId.of(TrustDomain.parse(id.getTrustDomain()), id.getPath()).toString();
    } catch (InvalidSpiffeIdException e) {
      throw new InvalidEntryException("invalid " + field + ": " + e.getMessage());
    }
  }

  /** Splits a stored (valid) SPIFFE ID into the API's form. */
  public static SPIFFEID toProto(String spiffeId) {
    try {
      SpiffeId id = SpiffeId.parse(spiffeId);
      return SPIFFEID.newBuilder().setTrustDomain(id.trustDomain().name()).setPath(id.path()).build();
    } catch (InvalidSpiffeIdException e) {
      throw new IllegalStateException("stored SPIFFE ID is invalid: " + spiffeId, e);
    }
  }

  static List<Selector> selectors(List<io.synid.api.spire.types.Selector> selectors)
      throws InvalidEntryException {
    List<Selector> result = new ArrayList<>(selectors.size());
    for (io.synid.api.spire.types.Selector s : selectors) {
      try {
        result.add(Selector.of(s.getType(), s.getValue()));
      } catch (Exception e) {
        throw new InvalidEntryException("invalid selector \"" + s.getType() + ":" + s.getValue()
            + "\": " + e.getMessage());
      }
    }
    return result;
  }

  public static io.synid.api.spire.types.Selector toProto(Selector s) {
    return io.synid.api.spire.types.Selector.newBuilder().setType(s.type()).setValue(s.value()).build();
  }

  /** Converts an API entry; structural problems only (the validator applies the rules). */
  static RegistrationEntry fromProto(Entry e) throws InvalidEntryException {
    if (!e.hasSpiffeId()) {
      throw new InvalidEntryException("invalid spiffe_id: missing");
    }
    if (!e.hasParentId()) {
      throw new InvalidEntryException("invalid parent_id: missing");
    }
    return new RegistrationEntry(
        e.getId(),
        spiffeId("spiffe_id", e.getSpiffeId()),
        spiffeId("parent_id", e.getParentId()),
        selectors(e.getSelectorsList()),
        e.getX509SvidTtl(),
        e.getJwtSvidTtl(),
        e.getFederatesWithList(),
        e.getAdmin(),
        e.getDownstream(),
        e.getExpiresAt(),
        e.getDnsNamesList(),
        e.getRevisionNumber(),
        e.getStoreSvid(),
        e.getHint(),
        e.getCreatedAt());
  }

  /** Converts a stored entry, keeping only the fields {@code mask} selects (all if absent). */
  public static Entry toProto(RegistrationEntry e, EntryMask mask, boolean hasMask) {
    Entry.Builder b = Entry.newBuilder().setId(e.id());
    if (!hasMask || mask.getSpiffeId()) {
      b.setSpiffeId(toProto(e.spiffeId()));
    }
    if (!hasMask || mask.getParentId()) {
      b.setParentId(toProto(e.parentId()));
    }
    if (!hasMask || mask.getSelectors()) {
      e.selectors().forEach(s -> b.addSelectors(toProto(s)));
    }
    if (!hasMask || mask.getX509SvidTtl()) {
      b.setX509SvidTtl(e.x509SvidTtl());
    }
    if (!hasMask || mask.getJwtSvidTtl()) {
      b.setJwtSvidTtl(e.jwtSvidTtl());
    }
    if (!hasMask || mask.getFederatesWith()) {
      b.addAllFederatesWith(e.federatesWith());
    }
    if (!hasMask || mask.getAdmin()) {
      b.setAdmin(e.admin());
    }
    if (!hasMask || mask.getDownstream()) {
      b.setDownstream(e.downstream());
    }
    if (!hasMask || mask.getExpiresAt()) {
      b.setExpiresAt(e.expiresAt());
    }
    if (!hasMask || mask.getDnsNames()) {
      b.addAllDnsNames(e.dnsNames());
    }
    if (!hasMask || mask.getRevisionNumber()) {
      b.setRevisionNumber(e.revisionNumber());
    }
    if (!hasMask || mask.getStoreSvid()) {
      b.setStoreSvid(e.storeSvid());
    }
    if (!hasMask || mask.getHint()) {
      b.setHint(e.hint());
    }
    if (!hasMask || mask.getCreatedAt()) {
      b.setCreatedAt(e.createdAt());
    }
    return b.build();
  }

  /**
   * Applies an update at the message level: fields selected by {@code mask} (all when absent)
   * come from {@code update}, the others from {@code current}.
   */
  static Entry merge(Entry current, Entry update, EntryMask mask, boolean hasMask) {
    boolean all = !hasMask;
    Entry.Builder b = current.toBuilder();
    if (all || mask.getSpiffeId()) {
      b.clearSpiffeId();
      if (update.hasSpiffeId()) {
        b.setSpiffeId(update.getSpiffeId());
      }
    }
    if (all || mask.getParentId()) {
      b.clearParentId();
      if (update.hasParentId()) {
        b.setParentId(update.getParentId());
      }
    }
    if (all || mask.getSelectors()) {
      b.clearSelectors().addAllSelectors(update.getSelectorsList());
    }
    if (all || mask.getX509SvidTtl()) {
      b.setX509SvidTtl(update.getX509SvidTtl());
    }
    if (all || mask.getJwtSvidTtl()) {
      b.setJwtSvidTtl(update.getJwtSvidTtl());
    }
    if (all || mask.getFederatesWith()) {
      b.clearFederatesWith().addAllFederatesWith(update.getFederatesWithList());
    }
    if (all || mask.getAdmin()) {
      b.setAdmin(update.getAdmin());
    }
    if (all || mask.getDownstream()) {
      b.setDownstream(update.getDownstream());
    }
    if (all || mask.getExpiresAt()) {
      b.setExpiresAt(update.getExpiresAt());
    }
    if (all || mask.getDnsNames()) {
      b.clearDnsNames().addAllDnsNames(update.getDnsNamesList());
    }
    if (all || mask.getStoreSvid()) {
      b.setStoreSvid(update.getStoreSvid());
    }
    if (all || mask.getHint()) {
      b.setHint(update.getHint());
    }
    return b.build();
  }
}
