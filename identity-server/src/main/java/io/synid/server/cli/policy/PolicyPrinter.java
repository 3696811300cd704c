package io.synid.server.cli.policy;

import io.synid.api.node.v1.PolicyDocument;
import io.synid.api.policy.v1.ApplyPoliciesResponse;
import io.synid.api.policy.v1.ListPoliciesResponse;
import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;

/** The human layout of policy responses. */
final class PolicyPrinter {
  private PolicyPrinter() {}

  /** {@code policy apply} and {@code policy accept}: one line per policy, then the version. */
  static void printApplied(PrintStream out, ApplyPoliciesResponse r) {
    StringBuilder b = new StringBuilder();
    r.getCreatedList().forEach(n -> b.append("Created   : ").append(n).append('\n'));
    r.getUpdatedList().forEach(n -> b.append("Updated   : ").append(n).append('\n'));
    r.getUnchangedList().forEach(n -> b.append("Unchanged : ").append(n).append('\n'));
    b.append("Policy set version: ").append(r.getVersion()).append('\n');
    out.print(b);
  }

  /**
   * {@code policy show}: a policy file (what {@code policy apply} reads back), the version and
   * the mode overrides in comments.
   */
  static void printPolicies(PrintStream out, ListPoliciesResponse r) {
    StringBuilder b = new StringBuilder();
    b.append("# Policy set version ").append(r.getVersion()).append('\n');
    if (!r.getModeOverridesMap().isEmpty()) {
      b.append("# Mode overrides:\n");
      for (Map.Entry<String, String> e : new TreeMap<>(r.getModeOverridesMap()).entrySet()) {
        b.append("#   ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
      }
    }
    if (r.getPoliciesCount() == 0) {
      b.append("# No policies\n");
    }
    for (int i = 0; i < r.getPoliciesCount(); i++) {
      PolicyDocument p = r.getPolicies(i);
      b.append(i == 0 ? "\n" : "---\n");
      b.append("# ").append(p.getName()).append(" (last changed in version ").append(p.getVersion())
          .append(")\n");
      b.append(p.getYaml());
      if (!p.getYaml().endsWith("\n")) {
        b.append('\n');
      }
    }
    out.print(b);
  }
}
