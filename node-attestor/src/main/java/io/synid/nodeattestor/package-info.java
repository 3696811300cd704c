/**
 * Node attestation: the {@code NodeAttestor} plugin interface and the built-in attestors (join_token, x509pop, aws_iid, gcp_iit, azure_msi), each with its server half and its agent half in one package. Filled by issue 3 (SPIRE-compatible agent API).
 */
package io.synid.nodeattestor;
