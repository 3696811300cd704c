package io.synid.agent;

import io.synid.agent.cache.AgentState;
import io.synid.agent.cache.WorkloadSvid;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.Selector;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.KeyType;
import io.synid.core.x509.SigningAuthority;
import io.synid.core.x509.X509AuthorityFactory;
import io.synid.core.x509.X509SvidSigner;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Certificates, entries and SVIDs for agent tests, made with identity-core's signing classes. */
public final class TestPki {
  /** "Now" for certificates: the real time, so that validity checks against the clock pass. */
  public static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  private TestPki() {}

  public static TrustDomain trustDomain(String name) {
    try {
      return TrustDomain.parse(name);
    } catch (InvalidSpiffeIdException e) {
      throw new AssertionError(e);
    }
  }

  public static SpiffeId spiffeId(String id) {
    try {
      return SpiffeId.parse(id);
    } catch (InvalidSpiffeIdException e) {
      throw new AssertionError(e);
    }
  }

  /** A self-signed EC P-256 root for {@code trustDomain}, valid for a day. */
  public static SigningAuthority ca(String trustDomain) {
    return X509AuthorityFactory.newSelfSignedAuthority(KeyType.EC_P256, trustDomain(trustDomain),
        Duration.ofDays(1), NOW);
  }

  /** An X509-SVID leaf for {@code key}, valid for an hour. */
  public static X509Certificate leaf(SigningAuthority ca, PublicKey key, String spiffeId) {
    return X509SvidSigner.signSvid(ca, key, spiffeId(spiffeId), List.of(), Duration.ofHours(1), NOW);
  }

  /**
   * A registration entry as the server sends it.
   *
   * @param selectors {@code type:value}, split at the first colon
   */
  public static Entry entry(String id, String spiffeId, long revision, String... selectors) {
    SpiffeId parsed = spiffeId(spiffeId);
    Entry.Builder entry = Entry.newBuilder().setId(id).setRevisionNumber(revision)
        .setSpiffeId(SPIFFEID.newBuilder().setTrustDomain(parsed.trustDomain().name())
            .setPath(parsed.path()));
    for (String selector : selectors) {
      int colon = selector.indexOf(':');
      entry.addSelectors(Selector.newBuilder().setType(selector.substring(0, colon))
          .setValue(selector.substring(colon + 1)));
    }
    return entry.build();
  }

  /** {@code entry} federating with {@code trustDomains}. */
  public static Entry federating(Entry entry, String... trustDomains) {
    return entry.toBuilder().addAllFederatesWith(List.of(trustDomains)).build();
  }

  /** A fresh key and an SVID for it signed by {@code ca} for {@code entry}. */
  public static WorkloadSvid svid(SigningAuthority ca, Entry entry) {
    KeyPair key = KeyType.EC_P256.generate();
    return new WorkloadSvid(entry, List.of(leaf(ca, key.getPublic(), AgentState.spiffeId(entry))),
        key.getPrivate());
  }

  /** A bundle of {@code trustDomain} holding {@code ca}'s certificate (no JWT authorities). */
  public static TrustBundle bundle(String trustDomain, SigningAuthority ca) {
    return new TrustBundle(trustDomain(trustDomain), List.of(ca.certificate()), List.of(), 1,
        Duration.ZERO);
  }

  /** A synced state serving {@code svids} (their entries authorized) with {@code bundle}. */
  public static AgentState state(TrustBundle bundle, Map<String, TrustBundle> federated,
      WorkloadSvid... svids) {
    Map<String, Entry> entries = new HashMap<>();
    Map<String, WorkloadSvid> byId = new HashMap<>();
    for (WorkloadSvid s : svids) {
      entries.put(s.entry().getId(), s.entry());
      byId.put(s.entry().getId(), s);
    }
    return new AgentState(bundle, federated, entries, byId, true);
  }
}
