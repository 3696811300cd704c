/**
 * Node attestation: the server's {@link io.synid.nodeattestor.NodeAttestor} interface, the agent's
 * {@link io.synid.nodeattestor.AgentNodeAttestor} interface, and the built-in attestors, each in
 * its own package with the server half and the agent half of its protocol side by side
 * ({@code jointoken}, {@code x509pop}).
 *
 * <p>The wire formats are SPIRE's, so an unmodified spire-agent attests against the Synid server
 * and a Synid agent against a SPIRE server.
 */
package io.synid.nodeattestor;
