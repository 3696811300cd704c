package io.synid.server.entry;

import io.synid.core.selector.Selector;
import java.util.List;
import java.util.Objects;

/**
 * A registration entry with every field SPIRE's {@code spire.api.types.Entry} carries.
 *
 * <p>Values are already validated when they reach the datastore (see {@link EntryValidator}).
 * Lists are immutable copies; {@code selectors} keeps the caller's order, but identity comparisons
 * use {@link #identityKey()}, which does not depend on order.
 *
 * @param id unique entry ID (a UUID unless the operator chose one)
 * @param spiffeId the SPIFFE ID issued to matching workloads
 * @param parentId the agent (or node-alias) ID that may obtain this entry
 * @param x509SvidTtl X509-SVID TTL in seconds, 0 for the server default
 * @param jwtSvidTtl JWT-SVID TTL in seconds, 0 for the server default
 * @param expiresAt Unix seconds after which the entry is void, 0 for never
 * @param revisionNumber incremented on every update
 * @param createdAt Unix seconds of creation
 */
public record RegistrationEntry(
    String id,
    String spiffeId,
    String parentId,
    List<Selector> selectors,
    int x509SvidTtl,
    int jwtSvidTtl,
    List<String> federatesWith,
    boolean admin,
    boolean downstream,
    long expiresAt,
    List<String> dnsNames,
    long revisionNumber,
    boolean storeSvid,
    String hint,
    long createdAt) {

  public RegistrationEntry {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(spiffeId, "spiffeId");
    Objects.requireNonNull(parentId, "parentId");
    selectors = List.copyOf(selectors);
    federatesWith = List.copyOf(federatesWith);
    dnsNames = List.copyOf(dnsNames);
    Objects.requireNonNull(hint, "hint");
  }

  /** The key that makes two entries "the same entry": SPIFFE ID, parent ID and selector set. */
  public String identityKey() {
    return EntryIdentityKey.of(spiffeId, parentId, selectors);
  }

  public RegistrationEntry withId(String newId) {
    return new RegistrationEntry(newId, spiffeId, parentId, selectors, x509SvidTtl, jwtSvidTtl,
        federatesWith, admin, downstream, expiresAt, dnsNames, revisionNumber, storeSvid, hint,
        createdAt);
  }

  public RegistrationEntry withRevision(long revision, long created) {
    return new RegistrationEntry(id, spiffeId, parentId, selectors, x509SvidTtl, jwtSvidTtl,
        federatesWith, admin, downstream, expiresAt, dnsNames, revision, storeSvid, hint, created);
  }

  /**
   * Whether the operator-settable fields equal {@code other}'s, ignoring id, revision and
   * creation time, and ignoring the order of selectors, DNS names and federated trust domains.
   */
  public boolean sameContentAs(RegistrationEntry other) {
    return spiffeId.equals(other.spiffeId)
        && parentId.equals(other.parentId)
        && new java.util.HashSet<>(selectors).equals(new java.util.HashSet<>(other.selectors))
        && x509SvidTtl == other.x509SvidTtl
        && jwtSvidTtl == other.jwtSvidTtl
        && new java.util.HashSet<>(federatesWith).equals(new java.util.HashSet<>(other.federatesWith))
        && admin == other.admin
        && downstream == other.downstream
        && expiresAt == other.expiresAt
        && dnsNames.equals(other.dnsNames)
        && storeSvid == other.storeSvid
        && hint.equals(other.hint);
  }
}
