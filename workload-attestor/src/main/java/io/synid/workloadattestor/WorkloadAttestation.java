package io.synid.workloadattestor;

import io.synid.core.selector.Selector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Runs the configured attestors for a pid, validates what each returns, and merges the selectors.
 *
 * <p>Semantics follow SPIRE's agent: attestors run concurrently (the last one on the calling
 * thread, the others on the executor); an attestor that fails is
 * reported in {@link AttestationResult#failures()} and its selectors are discarded while the
 * others still count; only when every attestor fails does attestation fail as a whole. A plugin
 * that breaks its contract (returns null, a null element, or a selector whose type is not its
 * name) counts as a failed attestor, so a faulty plugin can never vouch for another plugin's
 * selector type.
 */
public final class WorkloadAttestation {

    private final List<WorkloadAttestor> attestors;
    private final Executor executor;

    /**
     * Creates the facade.
     *
     * @param attestors at least one, with distinct names
     * @param executor runs every attestor but the last (which runs on the calling thread); the
     *     caller owns its lifecycle
     * @throws IllegalArgumentException when {@code attestors} is empty or has duplicate names
     */
    public WorkloadAttestation(List<WorkloadAttestor> attestors, Executor executor) {
        Objects.requireNonNull(executor, "executor");
        if (attestors.isEmpty()) {
            throw new IllegalArgumentException("at least one workload attestor is required");
        }
        Set<String> names = new HashSet<>();
        for (WorkloadAttestor attestor : attestors) {
            if (!names.add(attestor.name())) {
                throw new IllegalArgumentException("workload attestor " + attestor.name() + " is configured twice");
            }
        }
        this.attestors = List.copyOf(attestors);
        this.executor = executor;
    }

    /**
     * Builds the attestors named in {@code pluginConfigs} with the matching factories, validating
     * every configuration first and reporting every invalid one.
     *
     * @param pluginConfigs plugin name to its raw {@code plugin_data}, in configuration order
     * @param factories the available factories
     * @param executor runs every attestor but the last
     * @throws InvalidConfigException for an unknown plugin name or an invalid configuration; when
     *     several are invalid, the problems of all of them are reported, each prefixed by its plugin
     */
    public static WorkloadAttestation fromConfig(Map<String, ? extends Map<String, ?>> pluginConfigs,
            List<WorkloadAttestorFactory> factories, Executor executor) throws InvalidConfigException {
        Map<String, WorkloadAttestorFactory> byName = new LinkedHashMap<>();
        for (WorkloadAttestorFactory factory : factories) {
            byName.put(factory.name(), factory);
        }
        List<String> problems = new ArrayList<>();
        List<WorkloadAttestor> built = new ArrayList<>();
        if (pluginConfigs.isEmpty()) {
            problems.add("at least one workload attestor must be configured");
        }
        for (Map.Entry<String, ? extends Map<String, ?>> entry : pluginConfigs.entrySet()) {
            WorkloadAttestorFactory factory = byName.get(entry.getKey());
            if (factory == null) {
                problems.add("unknown workload attestor " + entry.getKey() + " (known: "
                        + String.join(", ", new TreeSet<>(byName.keySet())) + ")");
                continue;
            }
            try {
                built.add(factory.create(entry.getValue() == null ? Map.of() : entry.getValue()));
            } catch (InvalidConfigException e) {
                for (String problem : e.problems()) {
                    problems.add(e.plugin() + ": " + problem);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException("workload attestation", problems);
        }
        return new WorkloadAttestation(built, executor);
    }

    /**
     * Whether {@link #attest} may block: when some attestor {@linkplain WorkloadAttestor#mayBlock()
     * may}, or when there are several (the call then waits for the executor's).
     */
    public boolean mayBlock() {
        return attestors.size() > 1 || attestors.stream().anyMatch(WorkloadAttestor::mayBlock);
    }

    /** The attestors, in configuration order. */
    public List<WorkloadAttestor> attestors() {
        return attestors;
    }

    /**
     * Attests {@code pid} with every attestor.
     *
     * @return merged selectors and per-attestor failures
     * @throws AttestationException when every attestor failed; the message lists each failure
     * @throws InterruptedException when the calling thread is interrupted while waiting
     */
    public AttestationResult attest(int pid) throws AttestationException, InterruptedException {
        int count = attestors.size();
        List<CompletableFuture<List<Selector>>> futures = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            WorkloadAttestor attestor = attestors.get(i);
            Supplier<List<Selector>> run = () -> {
                try {
                    return checked(attestor, attestor.attest(pid));
                } catch (AttestationException e) {
                    throw new CompletionException(e);
                }
            };
            // The last attestor runs on the calling thread, which would otherwise only wait for
            // the others: with one attestor (the unix-only default) a call needs no thread hand-off.
            futures.add(i < count - 1 ? CompletableFuture.supplyAsync(run, executor) : runHere(run));
        }
        Set<Selector> merged = new TreeSet<>();
        Map<String, String> failures = new TreeMap<>();
        for (int i = 0; i < attestors.size(); i++) {
            String name = attestors.get(i).name();
            try {
                merged.addAll(futures.get(i).get());
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null
                        ? c.getCause() : e.getCause();
                failures.put(name, cause instanceof AttestationException
                        ? cause.getMessage()
                        : "workload attestor \"" + name + "\" crashed: " + cause);
            } catch (CancellationException e) {
                failures.put(name, "workload attestor \"" + name + "\" was cancelled");
            } catch (InterruptedException e) {
                futures.forEach(f -> f.cancel(true));
                throw e;
            }
        }
        if (failures.size() == attestors.size()) {
            throw new AttestationException("all workload attestors failed for pid " + pid + ": "
                    + String.join("; ", failures.values()));
        }
        return new AttestationResult(new ArrayList<>(merged), failures);
    }

    /** {@code run} on this thread, its result or failure in a future like the executor's. */
    private static CompletableFuture<List<Selector>> runHere(Supplier<List<Selector>> run) {
        try {
            return CompletableFuture.completedFuture(run.get());
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static List<Selector> checked(WorkloadAttestor attestor, List<Selector> selectors)
            throws AttestationException {
        String name = attestor.name();
        if (selectors == null) {
            throw new AttestationException("workload attestor \"" + name + "\" returned no selector list");
        }
        for (Selector selector : selectors) {
            if (selector == null) {
                throw new AttestationException("workload attestor \"" + name + "\" returned a null selector");
            }
            if (!selector.type().equals(name)) {
                throw new AttestationException("workload attestor \"" + name + "\" returned a selector of type \""
                        + selector.type() + "\"");
            }
        }
        return selectors;
    }
}
