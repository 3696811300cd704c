package io.synid.agent.workload;

import io.grpc.Status;
import io.grpc.StatusException;
import io.synid.api.transport.CallerCredentials;
import io.synid.core.selector.Selector;
import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.AttestationResult;
import io.synid.workloadattestor.WorkloadAttestation;
import java.util.List;
import java.util.logging.Logger;

/**
 * Attests the process on the other end of the current Workload API call.
 *
 * <p>The pid comes from the kernel (SO_PEERCRED) with the process's start time, both read when the
 * connection was accepted. After the attestors ran, the pid must still name that same process:
 * if the caller exited and its pid was reused while attestors were reading {@code /proc}, the
 * selectors describe a different process and the call is refused rather than answered with
 * someone else's identity.
 */
final class CallerAttestor {
  private static final Logger LOG = Logger.getLogger(CallerAttestor.class.getName());
  private final WorkloadAttestation attestation;

  CallerAttestor(WorkloadAttestation attestation) {
    this.attestation = attestation;
  }

  WorkloadCaller attestCurrentCaller() throws StatusException {
    CallerCredentials caller = CallerCredentials.current().orElseThrow(() -> Status.INTERNAL
        .withDescription("the caller's credentials are unknown: the Workload API must be served"
            + " on a Unix socket").asException());
    if (caller.pid() <= 0) {
      throw Status.INTERNAL.withDescription("unable to resolve caller PID").asException();
    }
    AttestationResult result;
    try {
      result = attestation.attest(caller.pid());
    } catch (AttestationException e) {
      throw Status.INTERNAL.withDescription("workload attestation failed: " + e.getMessage())
          .asException();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted").asException();
    }
    if (!result.failures().isEmpty()) {
      LOG.warning("workload attestation of pid " + caller.pid() + " partly failed: "
          + result.failures());
    }
    if (!caller.stillConnectedProcess()) {
      throw Status.PERMISSION_DENIED.withDescription("the calling process (pid " + caller.pid()
          + ") exited or was replaced during attestation").asException();
    }
    List<String> selectors = result.selectors().stream().map(Selector::toString).sorted().toList();
    return new WorkloadCaller(caller.pid(), caller.uid(),
        caller.executablePath().orElse(""), selectors);
  }
}
