package io.synid.server.cli;

import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.BanAgentRequest;
import io.synid.api.spire.server.agent.v1.CountAgentsRequest;
import io.synid.api.spire.server.agent.v1.CountAgentsResponse;
import io.synid.api.spire.server.agent.v1.CreateJoinTokenRequest;
import io.synid.api.spire.server.agent.v1.DeleteAgentRequest;
import io.synid.api.spire.server.agent.v1.GetAgentRequest;
import io.synid.api.spire.server.agent.v1.ListAgentsRequest;
import io.synid.api.spire.server.agent.v1.ListAgentsResponse;
import io.synid.api.spire.types.Agent;
import io.synid.api.spire.types.JoinToken;
import io.synid.api.spire.types.SPIFFEID;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An in-memory Agent service; filters are recorded, not applied. */
public final class FakeAgentService extends AgentGrpc.AgentImplBase {
  public final List<Message> requests = new ArrayList<>();
  public final Map<String, Agent> agents = new LinkedHashMap<>();
  /** Page size of ListAgents (0: everything in one page). */
  public int pageSize;
  public String tokenValue = "6f2d3c3a-1b36-4c7e-9b7a-2f1e5b0a9c11";

  @SuppressWarnings("unchecked")
  public <T extends Message> List<T> requests(Class<T> type) {
    return requests.stream().filter(type::isInstance).map(r -> (T) r).toList();
  }

  public void add(Agent agent) {
    agents.put(ProtoIds.format(agent.getId()), agent);
  }

  private Agent find(SPIFFEID id, StreamObserver<?> response) {
    Agent agent = agents.get(ProtoIds.format(id));
    if (agent == null) {
      response.onError(Status.NOT_FOUND.withDescription("agent not found").asRuntimeException());
    }
    return agent;
  }

  @Override
  public void countAgents(CountAgentsRequest request, StreamObserver<CountAgentsResponse> response) {
    requests.add(request);
    response.onNext(CountAgentsResponse.newBuilder().setCount(agents.size()).build());
    response.onCompleted();
  }

  @Override
  public void listAgents(ListAgentsRequest request, StreamObserver<ListAgentsResponse> response) {
    requests.add(request);
    List<Agent> all = new ArrayList<>(agents.values());
    int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
    int to = pageSize == 0 ? all.size() : Math.min(all.size(), from + pageSize);
    ListAgentsResponse.Builder page = ListAgentsResponse.newBuilder().addAllAgents(all.subList(from, to));
    if (to < all.size()) {
      page.setNextPageToken(Integer.toString(to));
    }
    response.onNext(page.build());
    response.onCompleted();
  }

  @Override
  public void getAgent(GetAgentRequest request, StreamObserver<Agent> response) {
    requests.add(request);
    Agent agent = find(request.getId(), response);
    if (agent != null) {
      response.onNext(agent);
      response.onCompleted();
    }
  }

  @Override
  public void deleteAgent(DeleteAgentRequest request, StreamObserver<Empty> response) {
    requests.add(request);
    if (find(request.getId(), response) != null) {
      agents.remove(ProtoIds.format(request.getId()));
      response.onNext(Empty.getDefaultInstance());
      response.onCompleted();
    }
  }

  @Override
  public void banAgent(BanAgentRequest request, StreamObserver<Empty> response) {
    requests.add(request);
    Agent agent = find(request.getId(), response);
    if (agent != null) {
      add(agent.toBuilder().setBanned(true).setX509SvidSerialNumber("").build());
      response.onNext(Empty.getDefaultInstance());
      response.onCompleted();
    }
  }

  @Override
  public void createJoinToken(CreateJoinTokenRequest request, StreamObserver<JoinToken> response) {
    requests.add(request);
    response.onNext(JoinToken.newBuilder().setValue(tokenValue)
        .setExpiresAt(CliHarness.NOW.getEpochSecond() + request.getTtl()).build());
    response.onCompleted();
  }
}
