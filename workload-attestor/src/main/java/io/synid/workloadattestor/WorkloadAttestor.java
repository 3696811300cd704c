package io.synid.workloadattestor;

import io.synid.core.selector.Selector;
import java.util.List;

/**
 * A workload attestor plugin: turns the pid of a Workload API caller into selectors.
 *
 * <p>Contract, as in SPIRE: a process the attestor is not in a position to attest (a k8s attestor
 * asked about a process outside any pod) yields an empty list, not an error; a process it should
 * attest but cannot fully attest yields an {@link AttestationException}. Every returned selector
 * has {@link #name()} as its type. Implementations are thread-safe: the facade calls them
 * concurrently for different callers.
 */
public interface WorkloadAttestor {

    /** The plugin name, which is also the type of every selector it returns (e.g. {@code unix}). */
    String name();

    /**
     * Attests the process {@code pid}.
     *
     * @param pid the caller's process id, as seen by the agent
     * @return the selectors, possibly empty, never null
     * @throws AttestationException when the process should be attested but cannot be
     */
    List<Selector> attest(int pid) throws AttestationException;

    /**
     * Whether {@link #attest} may wait on something slow: the network, another daemon, or reading
     * a large file. Only an attestor that answers from {@code /proc} and small local files in
     * microseconds returns false; the Workload API then attests its callers on the socket's I/O
     * thread instead of handing each call to a thread pool. The default is true.
     */
    default boolean mayBlock() {
        return true;
    }
}
