package io.synid.server.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synid.api.node.v1.Flow;
import io.synid.api.policy.v1.FlowsGrpc;
import io.synid.api.policy.v1.ListFlowsRequest;
import io.synid.api.policy.v1.ListFlowsResponse;
import io.synid.server.datastore.FlowStore;
import io.synid.server.policy.FlowAddresses;
import io.synid.server.policy.PolicyChanges;

/** {@code synid.api.policy.v1.Flows}: the flows agents reported, summed, with filters. */
public final class FlowService extends FlowsGrpc.FlowsImplBase {
  private final FlowStore flows;

  public FlowService(FlowStore flows) {
    this.flows = flows;
  }

  @Override
  public void listFlows(ListFlowsRequest request, StreamObserver<ListFlowsResponse> out) {
    FlowStore.Filter filter;
    try {
      filter = filter(request);
    } catch (IllegalArgumentException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    ListFlowsResponse.Builder response = ListFlowsResponse.newBuilder();
    for (FlowStore.Flow f : flows.list(filter)) {
      response.addFlows(toProto(f));
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  private static FlowStore.Filter filter(ListFlowsRequest r) {
    String source = r.getSourceSpiffeId().isEmpty() ? "" : PolicyChanges.canonicalId(r.getSourceSpiffeId());
    String address = r.getSourceAddress().isEmpty() ? "" : FlowAddresses.canonical(r.getSourceAddress());
    String destination = r.getDestinationSpiffeId().isEmpty() ? ""
        : PolicyChanges.canonicalId(r.getDestinationSpiffeId());
    if (r.getPort() > 65535) {
      throw new IllegalArgumentException("port must be 1-65535 (0 for any), not " + r.getPort());
    }
    FlowStore.Verdict verdict = switch (r.getVerdict()) {
      case "" -> null;
      case "allowed" -> FlowStore.Verdict.ALLOWED;
      case "denied" -> FlowStore.Verdict.DENIED;
      case "would_deny" -> FlowStore.Verdict.WOULD_DENY;
      default -> throw new IllegalArgumentException("verdict must be allowed, denied or would_deny,"
          + " not \"" + r.getVerdict() + "\"");
    };
    return new FlowStore.Filter(source, address, destination, r.getPort(), verdict);
  }

  /** The wire form of a stored flow. */
  public static Flow toProto(FlowStore.Flow f) {
    return Flow.newBuilder()
        .setSourceSpiffeId(f.sourceSpiffeId())
        .setSourceAddress(f.sourceAddress())
        .setDestinationSpiffeId(f.destinationSpiffeId())
        .setPort(f.port())
        .setAllowed(f.allowed())
        .setDenied(f.denied())
        .setWouldDeny(f.wouldDeny())
        .setFirstSeen(f.firstSeen())
        .setLastSeen(f.lastSeen())
        .build();
  }
}
