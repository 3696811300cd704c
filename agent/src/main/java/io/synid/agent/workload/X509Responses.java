package io.synid.agent.workload;

import com.google.protobuf.ByteString;
import io.synid.agent.cache.AgentState;
import io.synid.agent.cache.WorkloadSvid;
import io.synid.api.workload.X509SVID;
import io.synid.api.workload.X509SVIDResponse;
import java.io.ByteArrayOutputStream;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code FetchX509SVID} responses built once per state snapshot and selector set.
 *
 * <p>A response depends only on the {@link AgentState} and the caller's selectors, and many
 * callers share both (every process of a workload, and a workload reconnecting): encoding the
 * chains, keys and bundles again for each of them is work the state already paid for. The cache
 * holds one snapshot's responses; a new snapshot starts an empty one, so nothing outlives the SVIDs
 * it carries. At most {@link #MAX_SELECTOR_SETS} selector sets are kept per snapshot; beyond that
 * the cache starts over (distinct selector sets on one node are few: one per kind of workload).
 */
final class X509Responses {
  static final int MAX_SELECTOR_SETS = 4096;

  /**
   * What one caller is served.
   *
   * @param response the response, or null when the caller has no identity
   * @param svids the SVIDs in it, in response order, with their audit fields
   */
  record Delivery(X509SVIDResponse response, List<Delivered> svids) {}

  /** One SVID of a delivery, with what its audit record needs. */
  record Delivered(String spiffeId, String serialHex, String expiresAt) {}

  private record Snapshot(AgentState state, ConcurrentHashMap<Set<String>, Delivery> bySelectors) {}

  private volatile Snapshot snapshot = new Snapshot(null, new ConcurrentHashMap<>());

  /** The delivery for a caller with {@code selectors} ({@code type:value}) in {@code state}. */
  Delivery forCaller(AgentState state, Set<String> selectors) {
    Snapshot current = snapshot;
    if (current.state() != state || current.bySelectors().size() >= MAX_SELECTOR_SETS) {
      current = new Snapshot(state, new ConcurrentHashMap<>());
      snapshot = current;
    }
    return current.bySelectors().computeIfAbsent(Set.copyOf(selectors), s -> build(state, s));
  }

  private static Delivery build(AgentState state, Set<String> selectors) {
    List<WorkloadSvid> svids = state.svidsFor(selectors);
    if (svids.isEmpty()) {
      return new Delivery(null, List.of());
    }
    ByteString bundle = der(state.bundle().x509Authorities());
    X509SVIDResponse.Builder response = X509SVIDResponse.newBuilder();
    for (WorkloadSvid svid : svids) {
      response.addSvids(X509SVID.newBuilder()
          .setSpiffeId(AgentState.spiffeId(svid.entry()))
          .setX509Svid(der(svid.chain()))
          .setX509SvidKey(ByteString.copyFrom(svid.key().getEncoded()))
          .setBundle(bundle)
          .setHint(svid.entry().getHint()));
    }
    state.federatedFor(svids).forEach((name, b) ->
        response.putFederatedBundles("spiffe://" + name, der(b.x509Authorities())));
    List<Delivered> delivered = svids.stream().map(svid -> new Delivered(
        AgentState.spiffeId(svid.entry()), svid.serialHex(), svid.notAfter().toString())).toList();
    return new Delivery(response.build(), delivered);
  }

  /** The certificates' DER encodings, concatenated (the Workload API's form). */
  static ByteString der(List<X509Certificate> certificates) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (X509Certificate certificate : certificates) {
      try {
        out.writeBytes(certificate.getEncoded());
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException("cannot encode a certificate", e);
      }
    }
    return ByteString.copyFrom(out.toByteArray());
  }
}
