/**
 * Workload attestation: the {@code WorkloadAttestor} plugin interface and the built-ins (unix, cgroup/container, systemd, docker, k8s) that turn a caller's pid into SPIRE-named selectors. Filled by issue 4 (Synid agent).
 */
package io.synid.workloadattestor;
