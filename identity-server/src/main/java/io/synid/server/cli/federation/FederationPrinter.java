package io.synid.server.cli.federation;

import io.synid.api.spire.types.FederationRelationship;
import io.synid.api.spire.types.Status;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.SpireText;
import java.io.PrintStream;
import java.util.List;

/** The human layout of federation relationships: SPIRE's, label for label. */
final class FederationPrinter {
  private FederationPrinter() {}

  static void print(PrintStream out, FederationRelationship fr) {
    StringBuilder b = new StringBuilder();
    b.append("Trust domain              : ").append(fr.getTrustDomain()).append('\n');
    b.append("Bundle endpoint URL       : ").append(fr.getBundleEndpointUrl()).append('\n');
    if (fr.hasHttpsWeb()) {
      b.append("Bundle endpoint profile   : https_web\n");
    } else if (fr.hasHttpsSpiffe()) {
      b.append("Bundle endpoint profile   : https_spiffe\n");
      b.append("Endpoint SPIFFE ID        : ").append(fr.getHttpsSpiffe().getEndpointSpiffeId()).append('\n');
    }
    out.print(b);
  }

  /**
   * The pretty output of a batch create or update: each relationship after an empty line, the
   * failed ones on stderr.
   */
  static boolean printBatch(PrintStream out, PrintStream err, String verb,
      List<FederationRelationship> results, List<Status> statuses) {
    boolean failed = false;
    for (int i = 0; i < results.size(); i++) {
      if (statuses.get(i).getCode() == 0) {
        out.print("\n");
        print(out, results.get(i));
      }
    }
    for (int i = 0; i < results.size(); i++) {
      Status status = statuses.get(i);
      if (status.getCode() != 0) {
        out.print("\n");
        err.print("Failed to " + verb + " the following federation relationship (code: "
            + GrpcErrors.codeName(status.getCode()) + ", msg: " + SpireText.quote(status.getMessage())
            + "):\n");
        print(err, results.get(i));
        failed = true;
      }
    }
    return failed;
  }
}
