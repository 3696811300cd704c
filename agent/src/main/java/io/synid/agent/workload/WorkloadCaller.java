package io.synid.agent.workload;

import java.util.List;
import java.util.Set;

/**
 * An attested Workload API caller.
 *
 * @param pid the caller's pid (from SO_PEERCRED, re-checked after attestation)
 * @param uid the caller's uid
 * @param executable {@code /proc/<pid>/exe}, or empty if unreadable (audit only)
 * @param selectors the caller's selectors as {@code type:value}, sorted
 */
record WorkloadCaller(int pid, int uid, String executable, List<String> selectors) {
  WorkloadCaller {
    selectors = List.copyOf(selectors);
  }

  Set<String> selectorSet() {
    return Set.copyOf(selectors);
  }
}
