package io.synid.workloadattestor;

import io.synid.core.selector.Selector;
import java.util.List;
import java.util.Map;

/**
 * What {@link WorkloadAttestation#attest} found for one process.
 *
 * @param selectors the merged selectors of every attestor that succeeded, sorted, without duplicates
 * @param failures the message of every attestor that failed, keyed by attestor name; the agent
 *     logs these, as SPIRE does on a partial failure
 */
public record AttestationResult(List<Selector> selectors, Map<String, String> failures) {

    /** Copies both collections. */
    public AttestationResult {
        selectors = List.copyOf(selectors);
        failures = Map.copyOf(failures);
    }
}
