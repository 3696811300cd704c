package io.synid.server.cli.entry;

import com.google.protobuf.BoolValue;
import com.google.protobuf.StringValue;
import io.synid.api.spire.server.entry.v1.CountEntriesRequest;
import io.synid.api.spire.server.entry.v1.ListEntriesRequest;
import io.synid.api.spire.types.FederatesWithMatch;
import io.synid.api.spire.types.SPIFFEID;
import io.synid.api.spire.types.SelectorMatch;
import io.synid.server.cli.CliException;
import io.synid.server.cli.ProtoIds;
import io.synid.server.cli.SelectorFlags;
import io.synid.server.cli.SpireText;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The filter flags of {@code entry show} and {@code entry count}.
 *
 * <p>As in SPIRE, the downstream filter is always sent: without {@code -downstream} only
 * entries that are not downstream match. Both match modes default to {@code superset}.
 */
final class EntryFilterFlags {
  @Option(names = {"-parentID", "--parentID"}, paramLabel = "<spiffe id>",
      description = "The Parent ID of the records to select")
  String parentId = "";

  @Option(names = {"-spiffeID", "--spiffeID"}, paramLabel = "<spiffe id>",
      description = "The SPIFFE ID of the records to select")
  String spiffeId = "";

  @Option(names = {"-downstream", "--downstream"}, arity = "0..1", paramLabel = "<bool>",
      description = "Select downstream entries (without it, only entries that are not downstream)")
  boolean downstream;

  @Option(names = {"-selector", "--selector"}, paramLabel = "<type:value>",
      description = "A colon-delimited type:value selector. Can be used more than once")
  List<String> selectors = new ArrayList<>();

  @Option(names = {"-federatesWith", "--federatesWith"}, paramLabel = "<trust domain>",
      description = "SPIFFE ID of a trust domain an entry federates with. Can be used more than once")
  List<String> federatesWith = new ArrayList<>();

  @Option(names = {"-matchFederatesWithOn", "--matchFederatesWithOn"}, paramLabel = "<mode>",
      description = "Match mode for -federatesWith: exact, any, superset or subset (default: superset)")
  String matchFederatesWithOn = "superset";

  @Option(names = {"-matchSelectorsOn", "--matchSelectorsOn"}, paramLabel = "<mode>",
      description = "Match mode for -selector: exact, any, superset or subset (default: superset)")
  String matchSelectorsOn = "superset";

  @Option(names = {"-hint", "--hint"}, paramLabel = "<hint>",
      description = "The hint of the records to select")
  String hint = "";

  boolean hasIdentityFilters() {
    return !parentId.isEmpty() || !spiffeId.isEmpty() || !selectors.isEmpty();
  }

  ListEntriesRequest.Filter listFilter() throws CliException {
    ListEntriesRequest.Filter.Builder f = ListEntriesRequest.Filter.newBuilder();
    SPIFFEID parent = parent();
    if (parent != null) {
      f.setByParentId(parent);
    }
    SPIFFEID id = spiffeId();
    if (id != null) {
      f.setBySpiffeId(id);
    }
    SelectorMatch selectorMatch = selectorMatch();
    if (selectorMatch != null) {
      f.setBySelectors(selectorMatch);
    }
    FederatesWithMatch federatesWithMatch = federatesWithMatch();
    if (federatesWithMatch != null) {
      f.setByFederatesWith(federatesWithMatch);
    }
    if (!hint.isEmpty()) {
      f.setByHint(StringValue.of(hint));
    }
    return f.setByDownstream(BoolValue.of(downstream)).build();
  }

  /**
   * The same filter for CountEntries: SPIRE defines the two filter messages with identical
   * fields and numbers, so the ListEntries filter's bytes are a CountEntries filter.
   */
  CountEntriesRequest.Filter countFilter() throws CliException {
    try {
      return CountEntriesRequest.Filter.parseFrom(listFilter().toByteString());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("CountEntries and ListEntries filters diverged", e);
    }
  }

  private SPIFFEID parent() throws CliException {
    if (parentId.isEmpty()) {
      return null;
    }
    try {
      return ProtoIds.parse(parentId);
    } catch (CliException e) {
      throw new CliException("error parsing parent ID " + SpireText.quote(parentId) + ": "
          + e.getMessage(), e);
    }
  }

  private SPIFFEID spiffeId() throws CliException {
    if (spiffeId.isEmpty()) {
      return null;
    }
    try {
      return ProtoIds.parse(spiffeId);
    } catch (CliException e) {
      throw new CliException("error parsing SPIFFE ID " + SpireText.quote(spiffeId) + ": "
          + e.getMessage(), e);
    }
  }

  private SelectorMatch selectorMatch() throws CliException {
    if (selectors.isEmpty()) {
      return null;
    }
    SelectorMatch.MatchBehavior match = switch (matchSelectorsOn) {
      case "exact" -> SelectorMatch.MatchBehavior.MATCH_EXACT;
      case "any" -> SelectorMatch.MatchBehavior.MATCH_ANY;
      case "superset" -> SelectorMatch.MatchBehavior.MATCH_SUPERSET;
      case "subset" -> SelectorMatch.MatchBehavior.MATCH_SUBSET;
      default -> throw unknownMatch(matchSelectorsOn);
    };
    SelectorMatch.Builder m = SelectorMatch.newBuilder().setMatch(match);
    for (String s : selectors) {
      try {
        m.addSelectors(SelectorFlags.parse(s));
      } catch (CliException e) {
        throw new CliException("error parsing selectors: " + e.getMessage(), e);
      }
    }
    return m.build();
  }

  private FederatesWithMatch federatesWithMatch() throws CliException {
    if (federatesWith.isEmpty()) {
      return null;
    }
    FederatesWithMatch.MatchBehavior match = switch (matchFederatesWithOn) {
      case "exact" -> FederatesWithMatch.MatchBehavior.MATCH_EXACT;
      case "any" -> FederatesWithMatch.MatchBehavior.MATCH_ANY;
      case "superset" -> FederatesWithMatch.MatchBehavior.MATCH_SUPERSET;
      case "subset" -> FederatesWithMatch.MatchBehavior.MATCH_SUBSET;
      default -> throw unknownMatch(matchFederatesWithOn);
    };
    return FederatesWithMatch.newBuilder().addAllTrustDomains(federatesWith).setMatch(match).build();
  }

  private static CliException unknownMatch(String mode) {
    return new CliException("match behavior " + SpireText.quote(mode) + " unknown");
  }
}
