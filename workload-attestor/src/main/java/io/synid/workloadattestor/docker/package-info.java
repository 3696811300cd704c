/**
 * The {@code docker} workload attestor: finds the caller's container id in its cgroups and asks
 * the Docker Engine API (container inspect, over the daemon's Unix socket) for the labels,
 * environment and image that become SPIRE's {@code docker:} selectors.
 */
package io.synid.workloadattestor.docker;
