/**
 * The {@code k8s} workload attestor: finds the caller's pod UID and container id in its cgroups,
 * then the pod in the kubelet's {@code /pods} list, and returns SPIRE's {@code k8s:} selectors.
 */
package io.synid.workloadattestor.k8s;
