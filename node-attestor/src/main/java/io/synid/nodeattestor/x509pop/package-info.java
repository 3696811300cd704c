/**
 * The {@code x509pop} attestation method (X.509 proof of possession), wire-compatible with
 * SPIRE's: the agent sends its certificate chain (JSON {@code {"certificates": [DER, ...]}}, leaf
 * first), the server verifies it against a configured CA bundle and sends a 32-byte nonce; the
 * agent adds its own 32-byte nonce and signs {@code SHA-256(server nonce || agent nonce)} with the
 * leaf's private key (RSA-PSS with SHA-256, or ECDSA over that digest).
 *
 * <p>The agent ID is {@code spiffe://<td>/spire/agent/x509pop/<SHA-1 of the leaf DER, hex>}. Node
 * selectors (type {@code x509pop}): {@code subject:cn:<CN>}, {@code ca:fingerprint:<SHA-1 hex>}
 * for every certificate of the verified chain above the leaf, {@code serialnumber:<hex>} of the
 * leaf, and {@code san:<type>:<value>} for each URI SAN {@code x509pop://<td>/<type>/<value>}.
 */
package io.synid.nodeattestor.x509pop;
