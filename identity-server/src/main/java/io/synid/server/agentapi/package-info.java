/**
 * The agent API: SPIRE's agent-facing RPCs ({@code spire.api.server.agent.v1} AttestAgent,
 * RenewAgent, PostStatus; {@code bundle.v1} GetBundle, GetFederatedBundle; {@code entry.v1}
 * GetAuthorizedEntries, SyncAuthorizedEntries; {@code svid.v1} BatchNewX509SVID, NewJWTSVID) on a
 * TCP listener with TLS, so that unmodified spire-agents run against this server.
 *
 * <p>The server presents the SVID {@code spiffe://<td>/spire/server}; agents authenticate with
 * their agent SVID, checked on every call by {@link io.synid.server.agentapi.AgentAuthInterceptor}.
 */
package io.synid.server.agentapi;
