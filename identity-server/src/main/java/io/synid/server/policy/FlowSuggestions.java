package io.synid.server.policy;

import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.policy.eval.Source;
import io.synid.policy.eval.Verdict;
import io.synid.policy.model.Cidr;
import io.synid.policy.model.Mode;
import io.synid.policy.model.Policy;
import io.synid.policy.model.WorkloadIdentity;
import io.synid.policy.parse.PolicyWriter;
import io.synid.policy.suggest.ObservedFlow;
import io.synid.policy.suggest.PolicySuggester;
import io.synid.policy.suggest.SuggestionOptions;
import io.synid.server.datastore.FlowStore.Flow;
import io.synid.server.entry.RegistrationEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns stored flows and registration entries into {@link PolicySuggester} input (pure).
 *
 * <p>A flow's {@code allowed} and {@code would_deny} counts are traffic that was let through, so
 * they are evidence for an allow rule; {@code denied} counts are refusals, which the suggester
 * leaves out.
 */
public final class FlowSuggestions {
  /**
   * A suggestion.
   *
   * @param yaml the suggested policies as one policy file, empty when no flow was usable
   * @param flows how many stored flows it covers
   */
  public record Suggestion(String yaml, long flows, List<Policy> policies) {
    public Suggestion {
      policies = List.copyOf(policies);
    }
  }

  private FlowSuggestions() {}

  /**
   * Suggests policies for the flows' destinations.
   *
   * @param flows the stored flows (already filtered by destination)
   * @param entries every registration entry: the known identities and their selectors
   */
  public static Suggestion suggest(List<Flow> flows, Collection<RegistrationEntry> entries, Mode mode) {
    Map<SpiffeId, WorkloadIdentity> known = new HashMap<>();
    for (RegistrationEntry e : entries) {
      try {
        SpiffeId id = SpiffeId.parse(e.spiffeId());
        WorkloadIdentity w = new WorkloadIdentity(id, Set.copyOf(e.selectors()));
        known.merge(id, w, (a, b) -> {
          Set<io.synid.core.selector.Selector> all = new HashSet<>(a.selectors());
          all.addAll(b.selectors());
          return new WorkloadIdentity(id, all);
        });
      } catch (InvalidSpiffeIdException ignored) {
        // Stored entries are validated; an unparsable one cannot be a policy subject anyway.
      }
    }
    List<ObservedFlow> observed = new ArrayList<>();
    long covered = 0;
    for (Flow f : flows) {
      WorkloadIdentity destination;
      Source source;
      try {
        destination = identity(known, f.destinationSpiffeId());
        source = f.sourceSpiffeId().isEmpty()
            ? new Source.Unauthenticated(address(f.sourceAddress()))
            : new Source.Authenticated(identity(known, f.sourceSpiffeId()));
      } catch (IllegalArgumentException | InvalidSpiffeIdException e) {
        continue;
      }
      if (f.port() < 1 || f.port() > 65535) {
        continue;
      }
      long letThrough = f.allowed() + f.wouldDeny();
      boolean used = false;
      if (letThrough > 0) {
        observed.add(new ObservedFlow(source, destination, f.port(), letThrough, Verdict.ALLOWED));
        used = true;
      }
      if (f.denied() > 0) {
        observed.add(new ObservedFlow(source, destination, f.port(), f.denied(), Verdict.DENIED));
      }
      covered += used ? 1 : 0;
    }
    List<Policy> policies = PolicySuggester.suggest(observed, known.values(),
        new SuggestionOptions(mode, false, false));
    return new Suggestion(PolicyWriter.write(policies), covered, policies);
  }

  private static WorkloadIdentity identity(Map<SpiffeId, WorkloadIdentity> known, String id)
      throws InvalidSpiffeIdException {
    SpiffeId parsed = SpiffeId.parse(id);
    return known.getOrDefault(parsed, WorkloadIdentity.of(parsed));
  }

  /** A literal address (never resolved). */
  static java.net.InetAddress address(String text) {
    return Cidr.parse(text + (text.indexOf(':') >= 0 ? "/128" : "/32")).address();
  }
}
