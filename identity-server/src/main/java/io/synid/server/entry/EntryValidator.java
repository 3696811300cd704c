package io.synid.server.entry;

import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules an entry must follow before it is stored. Messages name the field and what is wrong;
 * tests assert them exactly.
 */
public final class EntryValidator {
  public static final int MAX_ENTRY_ID_LENGTH = 255;
  public static final int MAX_HINT_LENGTH = 1024;
  public static final int MAX_SELECTORS = 256;
  public static final int MAX_DNS_NAMES = 256;
  public static final int MAX_FEDERATES_WITH = 256;

  private static final Pattern ENTRY_ID = Pattern.compile("[A-Za-z0-9._:\\-]+");
  private static final Pattern DNS_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  private final TrustDomain trustDomain;

  public EntryValidator(TrustDomain trustDomain) {
    this.trustDomain = trustDomain;
  }

  public TrustDomain trustDomain() {
    return trustDomain;
  }

  /**
   * Throws if {@code entry} may not be stored; otherwise returns it in canonical form (federated
   * trust domains as bare names, whether given as {@code partner.org} or
   * {@code spiffe://partner.org}).
   */
  public RegistrationEntry validate(RegistrationEntry entry) throws InvalidEntryException {
    if (!entry.id().isEmpty()) {
      if (entry.id().length() > MAX_ENTRY_ID_LENGTH) {
        throw new InvalidEntryException("invalid entry ID: longer than " + MAX_ENTRY_ID_LENGTH
            + " characters");
      }
      if (!ENTRY_ID.matcher(entry.id()).matches()) {
        throw new InvalidEntryException("invalid entry ID: only letters, digits and . _ : - are"
            + " allowed");
      }
    }
    SpiffeId spiffeId = workloadId("spiffe_id", entry.spiffeId());
    if (spiffeId.path().startsWith("/spire/")) {
      throw new InvalidEntryException("invalid spiffe_id \"" + entry.spiffeId()
          + "\": paths under /spire/ are reserved for SPIRE server and agent identities");
    }
    SpiffeId parentId = workloadId("parent_id", entry.parentId());
    if (parentId.equals(spiffeId)) {
      throw new InvalidEntryException("invalid entry: parent_id and spiffe_id are the same");
    }
    if (entry.selectors().isEmpty()) {
      throw new InvalidEntryException("invalid selectors: at least one selector is required");
    }
    if (entry.selectors().size() > MAX_SELECTORS) {
      throw new InvalidEntryException("invalid selectors: more than " + MAX_SELECTORS);
    }
    for (Selector s : entry.selectors()) {
      try {
        Selector.of(s.type(), s.value());
      } catch (Exception e) {
        throw new InvalidEntryException("invalid selector \"" + s + "\": " + e.getMessage());
      }
    }
    if (entry.x509SvidTtl() < 0) {
      throw new InvalidEntryException("invalid x509_svid_ttl: cannot be negative");
    }
    if (entry.jwtSvidTtl() < 0) {
      throw new InvalidEntryException("invalid jwt_svid_ttl: cannot be negative");
    }
    if (entry.expiresAt() < 0) {
      throw new InvalidEntryException("invalid expires_at: cannot be negative");
    }
    if (entry.hint().length() > MAX_HINT_LENGTH) {
      throw new InvalidEntryException("invalid hint: longer than " + MAX_HINT_LENGTH
          + " characters");
    }
    if (entry.dnsNames().size() > MAX_DNS_NAMES) {
      throw new InvalidEntryException("invalid dns_names: more than " + MAX_DNS_NAMES);
    }
    for (String dns : entry.dnsNames()) {
      validateDnsName(dns);
    }
    if (entry.federatesWith().size() > MAX_FEDERATES_WITH) {
      throw new InvalidEntryException("invalid federates_with: more than " + MAX_FEDERATES_WITH);
    }
    Set<String> seen = new java.util.LinkedHashSet<>();
    for (String td : entry.federatesWith()) {
      TrustDomain federated;
      try {
        federated = TrustDomain.parse(td);
      } catch (InvalidSpiffeIdException e) {
        throw new InvalidEntryException("invalid federates_with \"" + td + "\": " + e.getMessage());
      }
      if (federated.equals(trustDomain)) {
        throw new InvalidEntryException("invalid federates_with \"" + td
            + "\": an entry cannot federate with its own trust domain");
      }
      if (!seen.add(federated.name())) {
        throw new InvalidEntryException("invalid federates_with: \"" + td + "\" is listed twice");
      }
    }
    return new RegistrationEntry(entry.id(), entry.spiffeId(), entry.parentId(), entry.selectors(),
        entry.x509SvidTtl(), entry.jwtSvidTtl(), List.copyOf(seen), entry.admin(), entry.downstream(),
        entry.expiresAt(), entry.dnsNames(), entry.revisionNumber(), entry.storeSvid(), entry.hint(),
        entry.createdAt());
  }

  private SpiffeId workloadId(String field, String value) throws InvalidEntryException {
    SpiffeId id;
    try {
      id = SpiffeId.parse(value);
    } catch (InvalidSpiffeIdException e) {
      throw new InvalidEntryException("invalid " + field + " \"" + value + "\": " + e.getMessage());
    }
    if (!id.isMemberOf(trustDomain)) {
      throw new InvalidEntryException("invalid " + field + " \"" + value
          + "\": not a member of trust domain \"" + trustDomain.name() + "\"");
    }
    if (id.isTrustDomainId()) {
      throw new InvalidEntryException("invalid " + field + " \"" + value
          + "\": the trust domain ID cannot be used; a path is required");
    }
    return id;
  }

  /** Checks one DNS name (letters, digits, hyphens; a leading "*" label allowed). */
  public static void validateDnsName(String dns) throws InvalidEntryException {
    if (dns.isEmpty() || dns.length() > 253) {
      throw new InvalidEntryException("invalid DNS name \"" + dns
          + "\": must be 1 to 253 characters");
    }
    List<String> labels = List.of(dns.split("\\.", -1));
    for (int i = 0; i < labels.size(); i++) {
      String label = labels.get(i);
      if (i == 0 && label.equals("*") && labels.size() > 2) {
        continue;
      }
      if (!DNS_LABEL.matcher(label).matches()) {
        throw new InvalidEntryException("invalid DNS name \"" + dns + "\": label \"" + label
            + "\" must be 1 to 63 letters, digits or hyphens, not starting or ending with a"
            + " hyphen");
      }
    }
  }
}
