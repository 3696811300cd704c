package io.synid.server.agentapi;

import io.synid.api.node.v1.GetPoliciesResponse;
import io.synid.server.admin.PolicyService;
import io.synid.server.datastore.PolicyStore.PolicyState;
import io.synid.server.datastore.PolicyStore.StoredPolicy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code GetPolicies} answers for one policy-set version, built once and shared by every
 * agent: the whole set, and the difference from each older version agents ask about. After a
 * change every agent holds the previous version, so one difference answers all of them; a
 * policy's own version (the set version in which it last changed) says what belongs in it.
 */
final class PolicyAnswers {
  /** Differences kept per version; agents far behind are few, and a miss only costs a build. */
  private static final int MAX_DIFFERENCES = 16;

  private final PolicyState state;
  private GetPoliciesResponse full;
  private final Map<Long, GetPoliciesResponse> differences = new ConcurrentHashMap<>();

  PolicyAnswers(PolicyState state) {
    this.state = state;
  }

  /** The whole set, built at the first request for it (agents that are current never need it). */
  private synchronized GetPoliciesResponse full() {
    if (full == null) {
      full = build(0, false); // every stored policy changed in a version >= 1
    }
    return full;
  }

  long version() {
    return state.version();
  }

  /**
   * The answer for an agent that holds {@code knownVersion}: unchanged when it is current; the
   * difference when the agent accepts one and holds an older version of this set; else the
   * whole set (a version from the future means the datastore was replaced: start over).
   */
  GetPoliciesResponse answer(long knownVersion, boolean acceptsChanges) {
    long version = state.version();
    if (knownVersion == version) {
      return GetPoliciesResponse.newBuilder().setVersion(version).setUnchanged(true).build();
    }
    if (!acceptsChanges || knownVersion <= 0 || knownVersion > version) {
      return full();
    }
    GetPoliciesResponse known = differences.get(knownVersion);
    if (known != null) {
      return known;
    }
    if (differences.size() >= MAX_DIFFERENCES) {
      differences.clear();
    }
    return differences.computeIfAbsent(knownVersion, since -> build(since, true));
  }

  /**
   * The policies changed after {@code since} and every mode override; with {@code incremental},
   * marked as a difference and with the name of every current policy.
   */
  private GetPoliciesResponse build(long since, boolean incremental) {
    GetPoliciesResponse.Builder response = GetPoliciesResponse.newBuilder()
        .setVersion(state.version()).setIncremental(incremental)
        .putAllModeOverrides(state.modes());
    for (StoredPolicy p : state.policies().values()) {
      if (incremental) {
        response.addCurrentNames(p.name());
      }
      if (p.version() > since) {
        response.addPolicies(PolicyService.document(p));
      }
    }
    return response.build();
  }
}
