/**
 * Workload attestation: the {@link io.synid.workloadattestor.WorkloadAttestor} plugin interface,
 * the {@link io.synid.workloadattestor.WorkloadAttestation} facade that runs the configured
 * attestors for a caller's pid, and the raw-configuration reader shared by the built-in factories.
 *
 * <p>The built-ins live one per subpackage ({@code unix}, {@code docker}, {@code systemd},
 * {@code k8s}); {@code proc} reads {@code /proc} and {@code cgroup} finds container ids and pod
 * UIDs in cgroup paths. Every built-in emits SPIRE's selector names and value formats.
 */
package io.synid.workloadattestor;
