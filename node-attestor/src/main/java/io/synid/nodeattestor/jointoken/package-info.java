/**
 * The {@code join_token} attestation method: the payload is the raw token, which the server
 * redeems exactly once; the agent ID is {@code spiffe://<td>/spire/agent/join_token/<token>} and
 * there are no node selectors (as in SPIRE).
 */
package io.synid.nodeattestor.jointoken;
