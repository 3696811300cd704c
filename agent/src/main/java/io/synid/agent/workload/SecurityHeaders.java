package io.synid.agent.workload;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * Refuses Workload API calls without the metadata {@code workload.spiffe.io: true} (exactly one
 * value), as the SPIFFE Workload API requires, with InvalidArgument and SPIRE's message. The
 * header keeps browsers and other confused deputies that can reach the socket from calling it.
 */
public final class SecurityHeaders implements ServerInterceptor {
  static final Metadata.Key<String> HEADER =
      Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);
  static final String MISSING = "security header missing from request";

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Iterable<String> values = headers.getAll(HEADER);
    List<String> all = new ArrayList<>();
    if (values != null) {
      values.forEach(all::add);
    }
    if (!all.equals(List.of("true"))) {
      call.close(Status.INVALID_ARGUMENT.withDescription(MISSING), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
