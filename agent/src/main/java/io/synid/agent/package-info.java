/**
 * The per-node agent ({@link io.synid.agent.AgentDaemon}): node attestation and the agent SVID
 * ({@code node}), the client of the server's agent API ({@code server}), entry and SVID sync
 * ({@code cache}), the SPIFFE Workload API ({@code workload}) and the {@code synid-agent} CLI
 * ({@code cli}). The handshake datapath, policy engine and connection audit are wired in by the
 * policy issue.
 */
package io.synid.agent;
