/**
 * The {@code systemd} workload attestor: the unit of the caller's cgroup and the file it was
 * loaded from, as SPIRE's {@code systemd:id:} and {@code systemd:fragment_path:}.
 */
package io.synid.workloadattestor.systemd;
