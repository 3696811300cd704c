package io.synid.server.policy;

import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.policy.model.Policy;
import io.synid.policy.model.PolicySet;
import io.synid.policy.parse.InvalidPolicyException;
import io.synid.policy.parse.PolicyParser;
import io.synid.policy.parse.PolicySource;
import io.synid.policy.parse.PolicyWriter;
import io.synid.server.datastore.PolicyStore.PolicyChange;
import io.synid.server.datastore.PolicyStore.PolicyState;
import io.synid.server.datastore.PolicyStore.StoredPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides changes of the stored policy set (pure): which policies a file creates, replaces or
 * leaves alone, validated with {@link PolicyParser} against the whole set that would result.
 *
 * <p>Policies are stored in the canonical form {@link PolicyWriter} gives them (one YAML document
 * each), so "unchanged" means "the same policy", whatever the file's layout or comments.
 */
public final class PolicyChanges {
  /** What {@link #apply} would do. */
  public record Plan(PolicyChange change, List<String> created, List<String> updated,
      List<String> unchanged) {
    public Plan {
      created = List.copyOf(created);
      updated = List.copyOf(updated);
      unchanged = List.copyOf(unchanged);
    }
  }

  /** A policy name that is not stored. */
  public static final class NoSuchPolicyException extends Exception {
    NoSuchPolicyException(String name) {
      super("policy \"" + name + "\" not found");
    }
  }

  private PolicyChanges() {}

  /**
   * Plans storing every policy of {@code source}: new names are created, different ones replaced,
   * equal ones left alone; other stored policies stay.
   *
   * @throws InvalidPolicyException with the parser's errors: first those of the file on its own,
   *     else those of the whole resulting set (stored policies are named {@code stored/<name>})
   */
  public static Plan apply(PolicyState current, PolicySource source) throws InvalidPolicyException {
    return apply(current, source, null);
  }

  /**
   * {@link #apply(PolicyState, PolicySource)} with a parse cache for the stored policies, which
   * otherwise are all read again for every change (about 50 us each).
   */
  public static Plan apply(PolicyState current, PolicySource source, PolicyParser.Cache cache)
      throws InvalidPolicyException {
    PolicySet parsed = PolicyParser.parse(0, source);
    List<String> created = new ArrayList<>();
    List<String> updated = new ArrayList<>();
    List<String> unchanged = new ArrayList<>();
    Map<String, String> puts = new HashMap<>();
    for (Policy p : parsed.policies()) {
      String yaml = canonical(p);
      StoredPolicy stored = current.policies().get(p.name());
      if (stored == null) {
        created.add(p.name());
        puts.put(p.name(), yaml);
      } else if (!stored.yaml().equals(yaml)) {
        updated.add(p.name());
        puts.put(p.name(), yaml);
      } else {
        unchanged.add(p.name());
      }
    }
    // The whole resulting set: limits and cross-policy rules (modes of equal applies_to) hold
    // across everything stored, not only within the file. The file comes last so that a conflict
    // is reported at the file's line.
    List<PolicySource> whole = new ArrayList<>();
    Set<String> replaced = new java.util.HashSet<>();
    parsed.policies().forEach(p -> replaced.add(p.name()));
    for (StoredPolicy s : current.policies().values()) {
      if (!replaced.contains(s.name())) {
        whole.add(PolicySource.of("stored/" + s.name(), s.yaml()));
      }
    }
    whole.add(source);
    PolicyParser.parse(0, whole, cache);
    return new Plan(new PolicyChange(puts, Set.of(), Map.of()), created, updated, unchanged);
  }

  /** Plans deleting one policy. */
  public static PolicyChange delete(PolicyState current, String name) throws NoSuchPolicyException {
    if (!current.policies().containsKey(name)) {
      throw new NoSuchPolicyException(name);
    }
    return new PolicyChange(Map.of(), Set.of(name), Map.of());
  }

  /**
   * Plans a mode override; an empty {@code mode} clears it. Setting what is already set changes
   * nothing.
   *
   * @throws IllegalArgumentException with an operator-facing message for a bad ID or mode
   */
  public static PolicyChange setMode(PolicyState current, String spiffeId, String mode) {
    String id = canonicalId(spiffeId);
    if (!mode.isEmpty() && !mode.equals("monitor") && !mode.equals("enforce")) {
      throw new IllegalArgumentException("mode must be monitor, enforce or empty (to clear the"
          + " override), not \"" + mode + "\"");
    }
    String now = current.modes().getOrDefault(id, "");
    if (now.equals(mode)) {
      return PolicyChange.NONE;
    }
    return new PolicyChange(Map.of(), Set.of(), Map.of(id, mode));
  }

  /** The SPIFFE ID in its canonical form; the parser's message otherwise. */
  public static String canonicalId(String spiffeId) {
    try {
      return SpiffeId.parse(spiffeId).toString();
    } catch (InvalidSpiffeIdException e) {
      throw new IllegalArgumentException("invalid SPIFFE ID \"" + spiffeId + "\": " + e.getMessage());
    }
  }

  /** How a policy is stored. */
  public static String canonical(Policy policy) {
    return PolicyWriter.write(List.of(policy));
  }
}
