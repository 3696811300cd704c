package io.synid.agent.audit;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.synid.api.node.v1.ForwardAuditRequest;
import io.synid.api.node.v1.ForwardAuditResponse;
import io.synid.api.node.v1.NodeGrpc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@link AuditForwarder} over the agent's mTLS channel to the server. The channel is asked for
 * on every call (it changes when the agent SVID is renewed); {@code null} means the agent has no
 * SVID yet and the call fails, to be retried.
 */
public final class GrpcAuditForwarder implements AuditForwarder {
  private final Supplier<ManagedChannel> channels;
  private final Duration deadline;

  public GrpcAuditForwarder(Supplier<ManagedChannel> channels, Duration deadline) {
    this.channels = channels;
    this.deadline = deadline;
  }

  @Override
  public long forward(long firstSequence, List<String> records) throws AuditForwardException {
    ManagedChannel channel = channels.get();
    if (channel == null) {
      throw new AuditForwardException("no authenticated channel to the server yet (the agent"
          + " is not attested)", null);
    }
    try {
      ForwardAuditResponse response = NodeGrpc.newBlockingStub(channel)
          .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
          .forwardAudit(ForwardAuditRequest.newBuilder().setFirstSequence(firstSequence)
              .addAllRecords(records).build());
      return response.getAcknowledgedThrough();
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      String hint = code == Status.Code.UNIMPLEMENTED
          ? " (the server does not offer ForwardAudit: a SPIRE server or an older Synid server;"
              + " set audit.forwardToServer: false)"
          : "";
      throw new AuditForwardException("ForwardAudit failed: " + code
          + (e.getStatus().getDescription() == null ? "" : " " + e.getStatus().getDescription())
          + hint, e);
    }
  }
}
