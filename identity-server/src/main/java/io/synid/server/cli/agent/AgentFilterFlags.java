package io.synid.server.cli.agent;

import com.google.protobuf.BoolValue;
import io.synid.api.spire.server.agent.v1.CountAgentsRequest;
import io.synid.api.spire.server.agent.v1.ListAgentsRequest;
import io.synid.api.spire.types.SelectorMatch;
import io.synid.server.cli.CliException;
import io.synid.server.cli.SelectorFlags;
import io.synid.server.cli.SpireText;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The filter flags of {@code agent list} and {@code agent count}. {@code -banned} and
 * {@code -canReattest} take a value: {@code true} or {@code false} filter, anything else means
 * all agents (as in SPIRE).
 */
final class AgentFilterFlags {
  /** Go layout of {@code -expiresBefore}, as SPIRE documents it. */
  static final String EXPIRES_BEFORE_LAYOUT = "2006-01-02 15:04:05 -0700 -07";
  private static final DateTimeFormatter EXPIRES_BEFORE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss xx x", Locale.ROOT);

  @Option(names = {"-selector", "--selector"}, paramLabel = "<type:value>",
      description = "A colon-delimited type:value selector. Can be used more than once")
  List<String> selectors = new ArrayList<>();

  @Option(names = {"-attestationType", "--attestationType"}, paramLabel = "<type>",
      description = "Filter by attestation type, like join_token or x509pop")
  String attestationType = "";

  @Option(names = {"-canReattest", "--canReattest"}, paramLabel = "<true|false>",
      description = "'true': agents that can re-attest; 'false': agents that cannot; other values: all")
  String canReattest = "";

  @Option(names = {"-banned", "--banned"}, paramLabel = "<true|false>",
      description = "'true': banned agents; 'false': agents not banned; other values: all")
  String banned = "";

  @Option(names = {"-expiresBefore", "--expiresBefore"}, paramLabel = "<time>",
      description = "Filter by expiration time (format: \"" + EXPIRES_BEFORE_LAYOUT + "\")")
  String expiresBefore = "";

  @Option(names = {"-matchSelectorsOn", "--matchSelectorsOn"}, paramLabel = "<mode>",
      description = "Match mode for -selector: exact, any, superset or subset (default: superset)")
  String matchSelectorsOn = "superset";

  ListAgentsRequest.Filter listFilter() throws CliException {
    ListAgentsRequest.Filter.Builder f = ListAgentsRequest.Filter.newBuilder();
    SelectorMatch match = selectorMatch();
    if (match != null) {
      f.setBySelectorMatch(match);
    }
    f.setByExpiresBefore(expiresBefore()).setByAttestationType(attestationType);
    BoolValue reattest = tristate(canReattest);
    if (reattest != null) {
      f.setByCanReattest(reattest);
    }
    BoolValue isBanned = tristate(banned);
    if (isBanned != null) {
      f.setByBanned(isBanned);
    }
    return f.build();
  }

  CountAgentsRequest.Filter countFilter() throws CliException {
    CountAgentsRequest.Filter.Builder f = CountAgentsRequest.Filter.newBuilder();
    SelectorMatch match = selectorMatch();
    if (match != null) {
      f.setBySelectorMatch(match);
    }
    f.setByExpiresBefore(expiresBefore()).setByAttestationType(attestationType);
    BoolValue reattest = tristate(canReattest);
    if (reattest != null) {
      f.setByCanReattest(reattest);
    }
    BoolValue isBanned = tristate(banned);
    if (isBanned != null) {
      f.setByBanned(isBanned);
    }
    return f.build();
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
      default -> throw new CliException("unsupported match behavior");
    };
    SelectorMatch.Builder m = SelectorMatch.newBuilder().setMatch(match);
    for (String s : selectors) {
      try {
        m.addSelectors(SelectorFlags.parse(s));
      } catch (CliException e) {
        throw new CliException("error parsing selector " + SpireText.quote(s) + ": "
            + e.getMessage(), e);
      }
    }
    return m.build();
  }

  private String expiresBefore() throws CliException {
    if (!expiresBefore.isEmpty()) {
      try {
        EXPIRES_BEFORE.parse(expiresBefore);
      } catch (DateTimeParseException e) {
        throw new CliException("date is not valid: parsing time " + SpireText.quote(expiresBefore)
            + " as " + SpireText.quote(EXPIRES_BEFORE_LAYOUT), e);
      }
    }
    return expiresBefore;
  }

  private static BoolValue tristate(String value) {
    return switch (value) {
      case "true" -> BoolValue.of(true);
      case "false" -> BoolValue.of(false);
      default -> null;
    };
  }
}
