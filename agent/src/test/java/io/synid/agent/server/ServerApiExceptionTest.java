package io.synid.agent.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.synid.api.spire.types.PermissionDeniedDetails;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class ServerApiExceptionTest {
  @ParameterizedTest
  @EnumSource(value = Status.Code.class,
      names = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "ABORTED", "INTERNAL", "UNKNOWN"})
  void transientFailuresAreRetryable(Status.Code code) {
    ServerApiException e = ServerApiException.of("entry sync",
        Status.fromCode(code).withDescription("boom").asRuntimeException());

    assertThat(e.retryable()).isTrue();
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.getMessage()).isEqualTo("entry sync failed (" + code + ": boom)");
    assertThat(e.denial()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = Status.Code.class,
      names = {"PERMISSION_DENIED", "INVALID_ARGUMENT", "NOT_FOUND", "UNAUTHENTICATED", "UNIMPLEMENTED"})
  void answersThatRetryingCannotChangeAreNot(Status.Code code) {
    ServerApiException e = ServerApiException.of("X509-SVID batch",
        Status.fromCode(code).asRuntimeException());

    assertThat(e.retryable()).isFalse();
    assertThat(e.getMessage()).isEqualTo("X509-SVID batch failed (" + code + ")");
  }

  @Test
  void theServersRefusalReasonIsRead() {
    com.google.rpc.Status detailed = com.google.rpc.Status.newBuilder()
        .setCode(Status.Code.PERMISSION_DENIED.value()).setMessage("agent is banned")
        .addDetails(Any.pack(PermissionDeniedDetails.newBuilder()
            .setReason(PermissionDeniedDetails.Reason.AGENT_BANNED).build()))
        .build();

    ServerApiException e = ServerApiException.of("fetching the bundle",
        StatusProto.toStatusRuntimeException(detailed));

    assertThat(e.denial()).contains(PermissionDeniedDetails.Reason.AGENT_BANNED);
    assertThat(e.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getMessage()).isEqualTo("fetching the bundle failed (PERMISSION_DENIED: agent is banned)");
  }

  @Test
  void aFailureThatIsNotAGrpcAnswerIsUnknownAndRetryable() {
    ServerApiException e = ServerApiException.of("entry sync", new IOException("reset"));

    assertThat(e.code()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(e.retryable()).isTrue();
    assertThat(e.denial()).isEmpty();
  }

  @Test
  void aMalformedAnswerIsNotRetryable() {
    ServerApiException e = ServerApiException.malformed("the server answered 2 results to a batch of 3");

    assertThat(e.retryable()).isFalse();
    assertThat(e.code()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(e.getMessage()).isEqualTo("the server answered 2 results to a batch of 3");
  }
}
