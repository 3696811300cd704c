package io.synid.agent.workload;

import io.synid.workloadattestor.InvalidConfigException;
import io.synid.workloadattestor.WorkloadAttestation;
import io.synid.workloadattestor.docker.DockerAttestorFactory;
import io.synid.workloadattestor.k8s.K8sAttestorFactory;
import io.synid.workloadattestor.systemd.SystemdAttestorFactory;
import io.synid.workloadattestor.unix.UnixAttestorFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/** The workload attestors the agent knows: {@code unix}, {@code docker}, {@code systemd}, {@code k8s}. */
public final class WorkloadAttestors {
  private WorkloadAttestors() {}

  /**
   * Builds the configured attestors, validating every plugin's data.
   *
   * @throws InvalidConfigException listing every problem of every plugin
   */
  public static WorkloadAttestation fromConfig(Map<String, ? extends Map<String, ?>> configs,
      Executor executor) throws InvalidConfigException {
    return WorkloadAttestation.fromConfig(configs, List.of(new UnixAttestorFactory(),
        new DockerAttestorFactory(), new SystemdAttestorFactory(), new K8sAttestorFactory()),
        executor);
  }
}
