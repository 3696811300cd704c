package io.synid.server.cli.entry;

import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.Selector;
import io.synid.api.spire.types.Status;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.ProtoIds;
import io.synid.server.cli.SpireText;
import java.io.PrintStream;
import java.util.List;

/** The human layout of registration entries: SPIRE's, label for label. */
final class EntryPrinter {
  private EntryPrinter() {}

  /** {@code Found N entries} (or {@code entry}) and each entry. */
  static void printAll(PrintStream out, List<Entry> entries) {
    out.print(SpireText.plural("Found " + entries.size() + " ", "entry", "entries", entries.size())
        + "\n");
    for (Entry e : entries) {
      print(out, e);
    }
  }

  /** One entry block, ending with an empty line. Rare fields appear only when set. */
  static void print(PrintStream out, Entry e) {
    StringBuilder b = new StringBuilder();
    line(b, "Entry ID", e.getId().isEmpty() ? "(none)" : e.getId());
    line(b, "SPIFFE ID", e.hasSpiffeId() ? ProtoIds.format(e.getSpiffeId()) : "");
    line(b, "Parent ID", e.hasParentId() ? ProtoIds.format(e.getParentId()) : "");
    line(b, "Revision", Long.toString(e.getRevisionNumber()));
    if (e.getDownstream()) {
      line(b, "Downstream", "true");
    }
    line(b, "X509-SVID TTL", e.getX509SvidTtl() == 0 ? "default" : Integer.toString(e.getX509SvidTtl()));
    line(b, "JWT-SVID TTL", e.getJwtSvidTtl() == 0 ? "default" : Integer.toString(e.getJwtSvidTtl()));
    if (e.getExpiresAt() != 0) {
      line(b, "Expiration time", SpireText.utcTime(e.getExpiresAt()));
    }
    for (Selector s : e.getSelectorsList()) {
      line(b, "Selector", s.getType() + ":" + s.getValue());
    }
    for (String td : e.getFederatesWithList()) {
      line(b, "FederatesWith", td);
    }
    for (String dns : e.getDnsNamesList()) {
      line(b, "DNS name", dns);
    }
    if (e.getAdmin()) {
      line(b, "Admin", "true");
    }
    if (e.getStoreSvid()) {
      line(b, "StoreSvid", "true");
    }
    if (!e.getHint().isEmpty()) {
      line(b, "Hint", e.getHint());
    }
    if (e.hasAdditionalAttributes()) {
      if (e.getAdditionalAttributes().getDisableX509SvidPrefetch()) {
        line(b, "DisableX509SvidPrefetch", "true");
      }
      if (e.getAdditionalAttributes().getJwtSvidIncludeJti()) {
        line(b, "JwtSvidIncludeJti", "true");
      }
    }
    b.append('\n');
    out.print(b);
  }

  /**
   * A per-entry failure of a batch call, on stderr:
   * {@code Failed to <verb> the following entry (code: NotFound, msg: "..."):} and the entry.
   */
  static void printFailure(PrintStream err, String verb, Status status, Entry entry) {
    err.print("Failed to " + verb + " the following entry (code: "
        + GrpcErrors.codeName(status.getCode()) + ", msg: " + SpireText.quote(status.getMessage())
        + "):\n");
    print(err, entry);
  }

  private static void line(StringBuilder b, String label, String value) {
    b.append(String.format("%-24s", label)).append(": ").append(value).append('\n');
  }
}
