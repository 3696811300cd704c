package io.synid.api.transport;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/** Copies the transport's caller credentials into the call's {@link Context}. */
public final class CallerContextInterceptor implements ServerInterceptor {
  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    CallerCredentials caller = call.getAttributes().get(CallerCredentials.TRANSPORT_ATTRIBUTE);
    if (caller == null) {
      return next.startCall(call, headers);
    }
    Context context = Context.current().withValue(CallerCredentials.CONTEXT_KEY, caller);
    return Contexts.interceptCall(context, call, headers, next);
  }
}
