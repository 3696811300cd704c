package io.synid.server.agentapi;

import io.grpc.Context;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.server.datastore.AttestedNode;

/**
 * The authenticated agent behind a call, put in the gRPC {@link Context} by
 * {@link AgentAuthInterceptor}.
 *
 * @param node the node record as it was when the call was authorized
 */
record AgentCaller(SpiffeId id, AttestedNode node) {
  static final Context.Key<AgentCaller> KEY = Context.key("synid-agent-caller");

  /** The caller of the current call; only for methods the interceptor authenticates. */
  static AgentCaller current() {
    AgentCaller caller = KEY.get();
    if (caller == null) {
      throw new IllegalStateException("no authenticated agent in this call's context");
    }
    return caller;
  }
}
