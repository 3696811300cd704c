package io.synid.server.cli.entry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.synid.api.spire.types.Entry;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GoJson;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.ProtoIds;
import io.synid.server.cli.ProtoJson;
import io.synid.server.cli.SpireText;
import io.synid.server.cli.entry.EntryReconciler.Action;
import io.synid.server.cli.entry.EntryReconciler.Outcome;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code entry apply -data <file|->}: an idempotent upsert of every entry of a file (SPIRE's
 * {@code -data} format). Not in SPIRE.
 *
 * <p>Pretty output: one line per created, updated or failed entry, then
 * {@code created: N, updated: N, unchanged: N} (and {@code , failed: N} when some failed).
 * JSON output: {@code {"created":N,"failed":N,"results":[{"action":...,"entry":{...}},...],
 * "unchanged":N,"updated":N}}, results in file order, updates with {@code changed_fields},
 * failures with {@code operation} and {@code status}. Exits 1 when any entry failed.
 */
@Command(name = "apply",
    description = "Creates or updates registration entries so that the server holds those of a file")
public final class ApplyEntryCommand extends AdminCommand {
  @Option(names = {"-data", "--data"}, paramLabel = "<file>",
      description = "Path to a file of registration entries in JSON ('-' reads stdin)")
  String data = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (data.isEmpty()) {
      throw new CliException("a data file is required (-data <file>, or - for stdin)");
    }
    List<Entry> desired = EntryFile.read(data, env.in());
    List<Outcome> outcomes = new EntryReconciler(client.entries()).apply(desired);
    if (output.isJson()) {
      env.out().print(GoJson.compact(report(outcomes), true) + "\n");
    } else {
      printPretty(env, outcomes);
    }
    long failed = count(outcomes, Action.FAILED);
    if (failed > 0) {
      throw new CliException(SpireText.plural("failed to apply " + failed + " ", "entry",
          "entries", failed));
    }
  }

  private static void printPretty(CliEnvironment env, List<Outcome> outcomes) {
    for (Outcome o : outcomes) {
      Entry e = o.entry();
      String what = ProtoIds.format(e.getSpiffeId()) + " (parent " + ProtoIds.format(e.getParentId())
          + ")";
      switch (o.action()) {
        case CREATED -> env.out().print("Created entry " + e.getId() + ": " + what + "\n");
        case UPDATED -> env.out().print("Updated entry " + e.getId() + ": " + what + "; changed: "
            + String.join(", ", o.changedFields()) + "\n");
        case FAILED -> env.err().print("Failed to " + o.operation() + " entry "
            + (e.getId().isEmpty() ? "" : e.getId() + " ") + what + " (code: "
            + GrpcErrors.codeName(o.status().getCode()) + ", msg: "
            + SpireText.quote(o.status().getMessage()) + ")\n");
        case UNCHANGED -> {
          // Only changes are listed.
        }
      }
    }
    String summary = "created: " + count(outcomes, Action.CREATED)
        + ", updated: " + count(outcomes, Action.UPDATED)
        + ", unchanged: " + count(outcomes, Action.UNCHANGED);
    long failed = count(outcomes, Action.FAILED);
    env.out().print(summary + (failed > 0 ? ", failed: " + failed : "") + "\n");
  }

  static ObjectNode report(List<Outcome> outcomes) {
    ObjectNode report = GoJson.object();
    ArrayNode results = report.putArray("results");
    for (Outcome o : outcomes) {
      ObjectNode r = results.addObject();
      r.put("action", o.action().name().toLowerCase(Locale.ROOT));
      r.set("entry", ProtoJson.tree(o.entry()));
      if (o.action() == Action.UPDATED || (o.action() == Action.FAILED && !o.changedFields().isEmpty())) {
        ArrayNode changed = r.putArray("changed_fields");
        o.changedFields().forEach(changed::add);
      }
      if (o.action() == Action.FAILED) {
        r.put("operation", o.operation());
        r.set("status", ProtoJson.tree(o.status()));
      }
    }
    report.put("created", count(outcomes, Action.CREATED));
    report.put("updated", count(outcomes, Action.UPDATED));
    report.put("unchanged", count(outcomes, Action.UNCHANGED));
    report.put("failed", count(outcomes, Action.FAILED));
    return report;
  }

  private static long count(List<Outcome> outcomes, Action action) {
    return outcomes.stream().filter(o -> o.action() == action).count();
  }
}
