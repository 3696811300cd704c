/**
 * The per-node agent: node attestation, the SPIFFE Workload API, workload attestation, the handshake datapath, the policy engine and the audit exporter, wired together. Filled by issue 4 (Synid agent).
 */
package io.synid.agent;
