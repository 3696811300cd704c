package io.synid.workloadattestor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.core.selector.Selector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkloadAttestationTest {

    /** Runs tasks on the calling thread, so the test is deterministic. */
    private static final java.util.concurrent.Executor DIRECT = Runnable::run;

    /** A fake plugin that answers from a fixed script. */
    private record FakeAttestor(String name, Answer answer) implements WorkloadAttestor {
        @Override
        public List<Selector> attest(int pid) throws AttestationException {
            return answer.attest(pid);
        }
    }

    @FunctionalInterface
    private interface Answer {
        List<Selector> attest(int pid) throws AttestationException;
    }

    private static FakeAttestor returning(String name, Selector... selectors) {
        return new FakeAttestor(name, pid -> Arrays.asList(selectors));
    }

    private static FakeAttestor failing(String name, String message) {
        return new FakeAttestor(name, pid -> {
            throw new AttestationException(message);
        });
    }

    @Test
    void mergesSortsAndDeduplicates() throws Exception {
        WorkloadAttestation attestation = new WorkloadAttestation(List.of(
                returning("unix", new Selector("unix", "uid:1000"), new Selector("unix", "gid:1000")),
                returning("k8s", new Selector("k8s", "ns:default"), new Selector("k8s", "ns:default"))), DIRECT);
        AttestationResult result = attestation.attest(42);
        assertThat(result.selectors()).extracting(Selector::toString)
                .containsExactly("k8s:ns:default", "unix:gid:1000", "unix:uid:1000");
        assertThat(result.failures()).isEmpty();
    }

    @Test
    void partialFailureKeepsTheOthersAndReportsTheFailure() throws Exception {
        WorkloadAttestation attestation = new WorkloadAttestation(List.of(
                returning("unix", new Selector("unix", "uid:0")), failing("k8s", "k8s: kubelet down")), DIRECT);
        AttestationResult result = attestation.attest(1);
        assertThat(result.selectors()).containsExactly(new Selector("unix", "uid:0"));
        assertThat(result.failures()).containsExactly(Map.entry("k8s", "k8s: kubelet down"));
    }

    /** An attestor that says it never blocks. */
    private static WorkloadAttestor quick(String name) {
        return new WorkloadAttestor() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<Selector> attest(int pid) {
                return List.of();
            }

            @Override
            public boolean mayBlock() {
                return false;
            }
        };
    }

    @Test
    void attestationMayBlockWhenAnAttestorMayOrWhenThereAreSeveral() {
        assertThat(new WorkloadAttestation(List.of(quick("unix")), DIRECT).mayBlock()).isFalse();
        assertThat(new WorkloadAttestation(List.of(returning("k8s")), DIRECT).mayBlock())
                .as("the default").isTrue();
        assertThat(new WorkloadAttestation(List.of(quick("unix"), quick("systemd")), DIRECT).mayBlock())
                .as("the caller waits for the executor's").isTrue();
    }

    @Test
    void theLastAttestorRunsOnTheCallingThreadAndTheOthersOnTheExecutor() throws Exception {
        List<String> executed = new ArrayList<>();
        java.util.concurrent.Executor counting = task -> {
            executed.add("executor");
            task.run();
        };
        Thread caller = Thread.currentThread();
        List<Thread> lastRanOn = new ArrayList<>();
        WorkloadAttestation attestation = new WorkloadAttestation(List.of(
                returning("docker", new Selector("docker", "label:a:b")),
                new FakeAttestor("unix", pid -> {
                    lastRanOn.add(Thread.currentThread());
                    throw new IllegalStateException("boom");
                })), counting);
        AttestationResult result = attestation.attest(5);
        assertThat(executed).containsExactly("executor");
        assertThat(lastRanOn).containsExactly(caller);
        // A crash on the calling thread is reported like one on the executor.
        assertThat(result.selectors()).containsExactly(new Selector("docker", "label:a:b"));
        assertThat(result.failures()).containsOnlyKeys("unix");
        assertThat(result.failures().get("unix")).contains("crashed").contains("boom");
    }

    @Test
    void everyAttestorFailingFailsAttestation() {
        WorkloadAttestation attestation = new WorkloadAttestation(List.of(
                failing("docker", "docker: socket gone"), failing("unix", "unix: process 7 does not exist")), DIRECT);
        assertThatThrownBy(() -> attestation.attest(7))
                .isInstanceOf(AttestationException.class)
                .hasMessage("all workload attestors failed for pid 7: docker: socket gone; unix: process 7 does not exist");
    }

    @Test
    void contractBreakingPluginsCountAsFailures() throws Exception {
        List<Selector> withNull = new ArrayList<>();
        withNull.add(null);
        WorkloadAttestation attestation = new WorkloadAttestation(List.of(
                returning("unix", new Selector("unix", "uid:1")),
                returning("docker", new Selector("k8s", "ns:kube-system")),
                new FakeAttestor("nulls", pid -> null),
                new FakeAttestor("nullElement", pid -> withNull),
                new FakeAttestor("crash", pid -> {
                    throw new IllegalStateException("boom");
                })), DIRECT);
        AttestationResult result = attestation.attest(3);
        assertThat(result.selectors()).containsExactly(new Selector("unix", "uid:1"));
        assertThat(result.failures()).containsOnly(
                Map.entry("docker", "workload attestor \"docker\" returned a selector of type \"k8s\""),
                Map.entry("nulls", "workload attestor \"nulls\" returned no selector list"),
                Map.entry("nullElement", "workload attestor \"nullElement\" returned a null selector"),
                Map.entry("crash", "workload attestor \"crash\" crashed: java.lang.IllegalStateException: boom"));
    }

    @Test
    void rejectsDuplicateAndMissingAttestors() {
        assertThatThrownBy(() -> new WorkloadAttestation(List.of(), DIRECT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WorkloadAttestation(List.of(returning("unix"), returning("unix")), DIRECT))
                .hasMessage("workload attestor unix is configured twice");
    }

    @Test
    void fromConfigReportsEveryInvalidPlugin() {
        WorkloadAttestorFactory strict = new WorkloadAttestorFactory() {
            @Override
            public String name() {
                return "strict";
            }

            @Override
            public WorkloadAttestor create(Map<String, ?> rawConfig) throws InvalidConfigException {
                PluginConfig config = PluginConfig.of("strict", rawConfig);
                config.finish();
                return returning("strict");
            }
        };
        Map<String, Map<String, ?>> configs = new LinkedHashMap<>();
        configs.put("strict", Map.of("a", 1, "b", 2));
        configs.put("nope", Map.of());
        assertThatThrownBy(() -> WorkloadAttestation.fromConfig(configs, List.of(strict), DIRECT))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "strict: unknown configuration key a",
                        "strict: unknown configuration key b",
                        "unknown workload attestor nope (known: strict)"));
    }

    @Test
    void fromConfigBuildsInOrder() throws Exception {
        WorkloadAttestorFactory factory = new WorkloadAttestorFactory() {
            @Override
            public String name() {
                return "unix";
            }

            @Override
            public WorkloadAttestor create(Map<String, ?> rawConfig) {
                return returning("unix", new Selector("unix", "uid:5"));
            }
        };
        WorkloadAttestation attestation = WorkloadAttestation.fromConfig(Map.of("unix", Map.of()), List.of(factory), DIRECT);
        assertThat(attestation.attestors()).extracting(WorkloadAttestor::name).containsExactly("unix");
        assertThat(attestation.attest(9).selectors()).containsExactly(new Selector("unix", "uid:5"));
    }
}
