package io.synid.agent.handshake;

import java.nio.file.Path;

/**
 * A workload of this node as the datapath sees it: a cgroup and the identity its processes
 * were attested to.
 *
 * @param cgroup the cgroup directory
 * @param cgroupId the cgroup's id (its inode number, as the kernel reports it)
 * @param spiffeId the SPIFFE ID of the entry its processes match
 */
public record LocalWorkload(Path cgroup, long cgroupId, String spiffeId) {}
