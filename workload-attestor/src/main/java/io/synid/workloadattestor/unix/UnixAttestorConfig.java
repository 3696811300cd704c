package io.synid.workloadattestor.unix;

/**
 * The validated configuration of the {@code unix} attestor, with SPIRE's keys and meanings.
 *
 * @param discoverWorkloadPath {@code discover_workload_path}: add {@code unix:path:} and, unless
 *     disabled by a negative size limit, {@code unix:sha256:}
 * @param workloadSizeLimit {@code workload_size_limit}: bytes; a larger executable fails
 *     attestation; 0 means no limit; negative means no digest at all
 */
public record UnixAttestorConfig(boolean discoverWorkloadPath, long workloadSizeLimit) {
}
