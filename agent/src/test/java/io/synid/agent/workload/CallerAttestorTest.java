package io.synid.agent.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusException;
import io.synid.api.transport.CallerCredentials;
import io.synid.core.selector.Selector;
import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.WorkloadAttestation;
import io.synid.workloadattestor.WorkloadAttestor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link CallerAttestor} with the caller's credentials set in the gRPC context as the transport does. */
class CallerAttestorTest {
  private static final int PID = (int) ProcessHandle.current().pid();
  private static final long START = CallerCredentials.startTimeOf(PID);

  private static WorkloadAttestor attestor(String name, List<String> selectors) {
    return new WorkloadAttestor() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public List<Selector> attest(int pid) throws AttestationException {
        if (selectors == null) {
          throw new AttestationException(name + " cannot attest pid " + pid);
        }
        return selectors.stream().map(s -> new Selector(name, s)).toList();
      }
    };
  }

  private static CallerAttestor callerAttestor(WorkloadAttestor... attestors) {
    return new CallerAttestor(new WorkloadAttestation(List.of(attestors), Runnable::run));
  }

  private static <T> T as(CallerCredentials caller, Callable<T> call) throws Exception {
    return Context.current().withValue(CallerCredentials.CONTEXT_KEY, caller).call(call);
  }

  private static Status failure(CallerCredentials caller, CallerAttestor attestor) {
    Throwable t = assertThatThrownBy(() -> as(caller, attestor::attestCurrentCaller))
        .isInstanceOf(StatusException.class).actual();
    return ((StatusException) t).getStatus();
  }

  @Test
  void theCallerGetsTheSortedSelectorsOfEveryAttestorThatSucceeded() throws Exception {
    CallerAttestor attestor = callerAttestor(attestor("unix", List.of("uid:1000", "gid:50")),
        attestor("docker", null), attestor("k8s", List.of("ns:prod")));

    WorkloadCaller caller = as(new CallerCredentials(PID, 1000, 50, START),
        attestor::attestCurrentCaller);

    assertThat(caller.pid()).isEqualTo(PID);
    assertThat(caller.uid()).isEqualTo(1000);
    assertThat(caller.selectors()).containsExactly("k8s:ns:prod", "unix:gid:50", "unix:uid:1000");
    assertThat(caller.executable())
        .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/exe")).toString());
  }

  @Test
  void aCallerWhoseProcessIsNoLongerTheOneThatConnectedIsRefused() {
    AtomicInteger attested = new AtomicInteger();
    WorkloadAttestor counting = new WorkloadAttestor() {
      @Override
      public String name() {
        return "unix";
      }

      @Override
      public List<Selector> attest(int pid) {
        attested.incrementAndGet();
        return List.of(new Selector("unix", "uid:0"));
      }
    };

    Status status = failure(new CallerCredentials(PID, 0, 0, START + 1), callerAttestor(counting));

    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).isEqualTo("the calling process (pid " + PID
        + ") exited or was replaced during attestation");
    assertThat(attested).as("the check follows attestation").hasValue(1);
  }

  @Test
  void aCallerWithoutARecordedStartTimeIsRefused() {
    Status status = failure(new CallerCredentials(PID, 0, 0),
        callerAttestor(attestor("unix", List.of("uid:0"))));

    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void withoutCredentialsTheCallIsAnInternalError() {
    Throwable t = assertThatThrownBy(() -> callerAttestor(attestor("unix", List.of()))
        .attestCurrentCaller()).isInstanceOf(StatusException.class).actual();
    Status status = ((StatusException) t).getStatus();

    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getDescription()).isEqualTo("the caller's credentials are unknown: the"
        + " Workload API must be served on a Unix socket");
  }

  @Test
  void aCallerWithoutAPidIsAnInternalError() {
    Status status = failure(new CallerCredentials(0, 0, 0, 0),
        callerAttestor(attestor("unix", List.of())));

    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getDescription()).isEqualTo("unable to resolve caller PID");
  }

  @Test
  void whenEveryAttestorFailsTheCallIsAnInternalError() {
    Status status = failure(new CallerCredentials(PID, 0, 0, START),
        callerAttestor(attestor("unix", null)));

    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getDescription()).isEqualTo("workload attestation failed: all workload"
        + " attestors failed for pid " + PID + ": unix cannot attest pid " + PID);
  }
}
