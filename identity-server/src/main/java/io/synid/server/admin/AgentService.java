package io.synid.server.admin;

import com.google.protobuf.Empty;
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
import io.synid.api.spire.types.AgentMask;
import io.synid.api.spire.types.JoinToken;
import io.synid.api.spire.types.SelectorMatch;
import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.server.datastore.AlreadyExistsException;
import io.synid.server.datastore.AttestedNode;
import io.synid.server.datastore.EntryStore;
import io.synid.server.datastore.JoinTokenStore;
import io.synid.server.datastore.NodeStore;
import io.synid.server.entry.EntryValidator;
import io.synid.server.entry.InvalidEntryException;
import io.synid.server.entry.RegistrationEntry;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The administrators' half of {@code spire.api.server.agent.v1.Agent}: listing, inspecting,
 * evicting (delete) and banning agents, and creating join tokens. Attestation and renewal arrive
 * with the agent API.
 */
public final class AgentService extends AgentGrpc.AgentImplBase {
  /** Join tokens chosen by operators: no whitespace or path separators, bounded length. */
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._\\-]{1,128}");

  private final NodeStore nodes;
  private final JoinTokenStore tokens;
  private final EntryStore entries;
  private final EntryValidator validator;
  private final TrustDomain trustDomain;
  private final Clock clock;

  public AgentService(NodeStore nodes, JoinTokenStore tokens, EntryStore entries,
      EntryValidator validator, Clock clock) {
    this.nodes = nodes;
    this.tokens = tokens;
    this.entries = entries;
    this.validator = validator;
    this.trustDomain = validator.trustDomain();
    this.clock = clock;
  }

  @Override
  public void countAgents(CountAgentsRequest request, StreamObserver<CountAgentsResponse> response) {
    CountAgentsRequest.Filter f = request.getFilter();
    try {
      List<AttestedNode> matching = filter(nodes.list(0, ""), f.getByAttestationType(),
          f.hasBySelectorMatch() ? Optional.of(f.getBySelectorMatch()) : Optional.empty(),
          f.hasByBanned() ? Optional.of(f.getByBanned().getValue()) : Optional.empty(),
          f.hasByCanReattest() ? Optional.of(f.getByCanReattest().getValue()) : Optional.empty(),
          f.getByExpiresBefore());
      response.onNext(CountAgentsResponse.newBuilder().setCount(matching.size()).build());
      response.onCompleted();
    } catch (InvalidEntryException e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  @Override
  public void listAgents(ListAgentsRequest request, StreamObserver<ListAgentsResponse> response) {
    ListAgentsRequest.Filter f = request.getFilter();
    try {
      List<AttestedNode> all = nodes.list(0, "");
      List<AttestedNode> matching = filter(all, f.getByAttestationType(),
          f.hasBySelectorMatch() ? Optional.of(f.getBySelectorMatch()) : Optional.empty(),
          f.hasByBanned() ? Optional.of(f.getByBanned().getValue()) : Optional.empty(),
          f.hasByCanReattest() ? Optional.of(f.getByCanReattest().getValue()) : Optional.empty(),
          f.getByExpiresBefore());
      int start = 0;
      if (!request.getPageToken().isEmpty()) {
        while (start < matching.size()
            && matching.get(start).spiffeId().compareTo(request.getPageToken()) <= 0) {
          start++;
        }
      }
      int end = request.getPageSize() > 0 ? Math.min(matching.size(), start + request.getPageSize())
          : matching.size();
      ListAgentsResponse.Builder out = ListAgentsResponse.newBuilder();
      for (AttestedNode n : matching.subList(start, end)) {
        out.addAgents(toProto(n, request.getOutputMask(), request.hasOutputMask()));
      }
      if (request.getPageSize() > 0 && end < matching.size()) {
        out.setNextPageToken(matching.get(end - 1).spiffeId());
      }
      response.onNext(out.build());
      response.onCompleted();
    } catch (InvalidEntryException e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  private List<AttestedNode> filter(List<AttestedNode> all, String attestationType,
      Optional<SelectorMatch> selectors, Optional<Boolean> banned, Optional<Boolean> canReattest,
      String expiresBefore) throws InvalidEntryException {
    long before = Long.MAX_VALUE;
    if (!expiresBefore.isEmpty()) {
      try {
        before = Instant.parse(expiresBefore).getEpochSecond();
      } catch (DateTimeParseException e) {
        throw new InvalidEntryException("malformed expires_before filter: not an RFC 3339 time: "
            + expiresBefore);
      }
    }
    Set<Selector> wanted = new HashSet<>();
    if (selectors.isPresent()) {
      wanted.addAll(ProtoEntries.selectors(selectors.get().getSelectorsList()));
    }
    final long cutoff = before;
    return all.stream()
        .filter(n -> attestationType.isEmpty() || n.attestationType().equals(attestationType))
        .filter(n -> banned.isEmpty() || n.banned() == banned.get())
        .filter(n -> canReattest.isEmpty() || n.canReattest() == canReattest.get())
        .filter(n -> n.certNotAfter() < cutoff)
        .filter(n -> selectors.isEmpty() || matches(new HashSet<>(n.selectors()), wanted,
            selectors.get().getMatchValue()))
        .collect(Collectors.toList());
  }

  private static boolean matches(Set<Selector> have, Set<Selector> wanted, int match) {
    return switch (match) {
      case 0 -> have.equals(wanted);
      case 1 -> wanted.containsAll(have);
      case 2 -> have.containsAll(wanted);
      default -> have.stream().anyMatch(wanted::contains);
    };
  }

  @Override
  public void getAgent(GetAgentRequest request, StreamObserver<Agent> response) {
    Optional<String> id = agentId(request.hasId() ? request.getId() : null, response);
    if (id.isEmpty()) {
      return;
    }
    Optional<AttestedNode> node = nodes.get(id.get());
    if (node.isEmpty()) {
      response.onError(Status.NOT_FOUND.withDescription("agent not found").asRuntimeException());
      return;
    }
    response.onNext(toProto(node.get(), request.getOutputMask(), request.hasOutputMask()));
    response.onCompleted();
  }

  @Override
  public void deleteAgent(DeleteAgentRequest request, StreamObserver<Empty> response) {
    Optional<String> id = agentId(request.hasId() ? request.getId() : null, response);
    if (id.isEmpty()) {
      return;
    }
    if (!nodes.delete(id.get())) {
      response.onError(Status.NOT_FOUND.withDescription("agent not found").asRuntimeException());
      return;
    }
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void banAgent(BanAgentRequest request, StreamObserver<Empty> response) {
    Optional<String> id = agentId(request.hasId() ? request.getId() : null, response);
    if (id.isEmpty()) {
      return;
    }
    if (!nodes.ban(id.get())) {
      response.onError(Status.NOT_FOUND.withDescription("agent not found").asRuntimeException());
      return;
    }
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void createJoinToken(CreateJoinTokenRequest request, StreamObserver<JoinToken> response) {
    if (request.getTtl() < 1) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("ttl is required, you must provide one")
          .asRuntimeException());
      return;
    }
    String token = request.getToken().isEmpty() ? UUID.randomUUID().toString() : request.getToken();
    if (!TOKEN.matcher(token).matches()) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(
          "token may only contain letters, digits and . _ - (1 to 128 characters)").asRuntimeException());
      return;
    }
    String agentId = "spiffe://" + trustDomain.name() + "/spire/agent/join_token/" + token;
    RegistrationEntry alias = null;
    if (request.hasAgentId()) {
      try {
        String requested = ProtoEntries.spiffeId("agent_id", request.getAgentId());
        alias = validator.validate(new RegistrationEntry("", requested, agentId,
            List.of(new Selector("spiffe_id", agentId)), 0, 0, List.of(), false, false, 0,
            List.of(), 0, false, "", 0));
      } catch (InvalidEntryException e) {
        response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        return;
      }
    }
    if (tokens.exists(token)) {
      response.onError(Status.ALREADY_EXISTS.withDescription("token already exists").asRuntimeException());
      return;
    }
    Instant expiresAt = clock.instant().plusSeconds(request.getTtl());
    tokens.create(token, expiresAt);
    if (alias != null) {
      try {
        entries.create(alias);
      } catch (AlreadyExistsException e) {
        // The same alias entry is already there: nothing to add.
      }
    }
    response.onNext(JoinToken.newBuilder().setValue(token).setExpiresAt(expiresAt.getEpochSecond()).build());
    response.onCompleted();
  }

  private Optional<String> agentId(io.synid.api.spire.types.SPIFFEID id, StreamObserver<?> response) {
    if (id == null) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("invalid agent ID: missing").asRuntimeException());
      return Optional.empty();
    }
    try {
      String value = ProtoEntries.spiffeId("agent ID", id);
      if (!value.startsWith(trustDomain.idString() + "/")) {
        response.onError(Status.INVALID_ARGUMENT.withDescription("invalid agent ID \"" + value
            + "\": not a member of trust domain \"" + trustDomain.name() + "\"").asRuntimeException());
        return Optional.empty();
      }
      return Optional.of(value);
    } catch (InvalidEntryException e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return Optional.empty();
    }
  }

  static Agent toProto(AttestedNode n, AgentMask mask, boolean hasMask) {
    Agent.Builder b = Agent.newBuilder().setId(ProtoEntries.toProto(n.spiffeId()));
    if (!hasMask || mask.getAttestationType()) {
      b.setAttestationType(n.attestationType());
    }
    if (!hasMask || mask.getX509SvidSerialNumber()) {
      b.setX509SvidSerialNumber(n.certSerial());
    }
    if (!hasMask || mask.getX509SvidExpiresAt()) {
      b.setX509SvidExpiresAt(n.certNotAfter());
    }
    if (!hasMask || mask.getSelectors()) {
      n.selectors().forEach(s -> b.addSelectors(ProtoEntries.toProto(s)));
    }
    if (!hasMask || mask.getBanned()) {
      b.setBanned(n.banned());
    }
    if (!hasMask || mask.getCanReattest()) {
      b.setCanReattest(n.canReattest());
    }
    if (!hasMask || mask.getAgentVersion()) {
      b.setAgentVersion(n.agentVersion());
    }
    return b.build();
  }
}
