package io.synid.agent.handshake;

import io.synid.agent.cache.AgentState;
import io.synid.agent.cache.WorkloadSvid;
import io.synid.core.selector.Selector;
import io.synid.handshake.HandshakeDatapath;
import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.WorkloadAttestation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Finds the workloads of this node: every cgroup below the datapath's cgroup that holds
 * processes is attested through one of its processes (the agent's workload attestors, as for a
 * Workload API caller) and takes the SPIFFE ID of the entry its selectors match. A cgroup is one
 * workload: when its processes match several entries, the smallest SPIFFE ID is taken and a
 * warning logged, so the choice is stable across scans.
 */
final class CgroupWorkloads {
  private static final Logger LOG = Logger.getLogger(CgroupWorkloads.class.getName());
  private static final int MAX_DEPTH = 8;

  private final Path root;
  private final WorkloadAttestation attestation;

  CgroupWorkloads(Path root, WorkloadAttestation attestation) {
    this.root = root;
    this.attestation = attestation;
  }

  /** The workloads below the root with an identity in {@code state}. */
  List<LocalWorkload> scan(AgentState state) throws IOException, InterruptedException {
    List<LocalWorkload> out = new ArrayList<>();
    List<Path> cgroups;
    try (Stream<Path> walk = Files.walk(root, MAX_DEPTH)) {
      cgroups = walk.filter(Files::isDirectory).filter(d -> !d.equals(root)).toList();
    }
    for (Path cgroup : cgroups) {
      int pid = firstPid(cgroup);
      if (pid <= 0) {
        continue;
      }
      Set<String> selectors;
      try {
        selectors = attestation.attest(pid).selectors().stream().map(Selector::toString)
            .collect(Collectors.toSet());
      } catch (AttestationException e) {
        LOG.fine("cgroup " + cgroup + ": pid " + pid + " not attested: " + e.getMessage());
        continue;
      }
      TreeSet<String> ids = new TreeSet<>();
      for (WorkloadSvid svid : state.svidsFor(selectors)) {
        ids.add(AgentState.spiffeId(svid.entry()));
      }
      if (ids.isEmpty()) {
        continue;
      }
      if (ids.size() > 1) {
        LOG.warning("cgroup " + cgroup + " matches several identities " + ids + "; using "
            + ids.first());
      }
      try {
        out.add(new LocalWorkload(cgroup, HandshakeDatapath.cgroupId(cgroup), ids.first()));
      } catch (IOException e) {
        // The cgroup went away while scanning.
      }
    }
    return out;
  }

  private static int firstPid(Path cgroup) {
    try {
      for (String line : Files.readAllLines(cgroup.resolve("cgroup.procs"))) {
        if (!line.isBlank()) {
          return Integer.parseInt(line.trim());
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Not a cgroup directory, or it went away.
    }
    return -1;
  }
}
