/**
 * Finds the container id and Kubernetes pod UID of a process in its cgroup paths, with the rules
 * of SPIRE's container locator, for docker, containerd (including cri-containerd), CRI-O and
 * podman layouts on cgroup v1 and v2, with the cgroupfs and systemd drivers.
 */
package io.synid.workloadattestor.cgroup;
