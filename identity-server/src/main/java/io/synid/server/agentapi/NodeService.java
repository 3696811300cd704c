package io.synid.server.agentapi;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synid.api.audit.AuditLog;
import io.synid.api.node.v1.AllocateHandlesRequest;
import io.synid.api.node.v1.AllocateHandlesResponse;
import io.synid.api.node.v1.ChangeNotice;
import io.synid.api.node.v1.Flow;
import io.synid.api.node.v1.ForwardAuditRequest;
import io.synid.api.node.v1.ForwardAuditResponse;
import io.synid.api.node.v1.GetDirectoryRequest;
import io.synid.api.node.v1.GetDirectoryResponse;
import io.synid.api.node.v1.GetPoliciesRequest;
import io.synid.api.node.v1.GetPoliciesResponse;
import io.synid.api.node.v1.IdentityBinding;
import io.synid.api.node.v1.NodeGrpc;
import io.synid.api.node.v1.NodeKey;
import io.synid.api.node.v1.RegisterHandshakeKeyRequest;
import io.synid.api.node.v1.RegisterHandshakeKeyResponse;
import io.synid.api.node.v1.ReportFlowsRequest;
import io.synid.api.node.v1.ReportFlowsResponse;
import io.synid.api.node.v1.WatchChangesRequest;
import io.synid.api.spire.types.Selector;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.policy.model.Cidr;
import io.synid.server.datastore.Datastore;
import io.synid.server.datastore.FlowStore;
import io.synid.server.datastore.ForwardedAuditStore;
import io.synid.server.datastore.NodeDirectoryStore;
import io.synid.server.datastore.NodeDirectoryStore.Allocation;
import io.synid.server.datastore.PolicyStore;
import io.synid.server.entry.RegistrationEntry;
import io.synid.server.policy.FlowAddresses;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * {@code synid.api.node.v1.Node}: what the handshake datapath and connection audit need from the
 * server, for the authenticated agent of each call ({@link AgentCaller}).
 *
 * <p>Security: a node registers only its own key; it gets handles only for SPIFFE IDs of entries
 * it is authorized for ({@link AuthorizedEntries}, as for SVIDs), so the directory never binds an
 * identity to a node that could not obtain its SVID; it reports flows only into such identities
 * (others are counted as refused and not stored); forwarded audit records are stored under the
 * caller's agent ID. Key registrations and handle allocations are audit records
 * ({@code event: handshake_key}, {@code event: identity_handles}).
 */
final class NodeService extends NodeGrpc.NodeImplBase {
  /** Most SPIFFE IDs in one AllocateHandles call. */
  static final int MAX_HANDLES_PER_CALL = 1000;
  /** Most addresses a node registers. */
  static final int MAX_ADDRESSES = 64;
  /** Most flows in one report. */
  static final int MAX_FLOWS_PER_REPORT = 10_000;
  /** Largest count of one flow in one report (well above any real rate). */
  static final long MAX_FLOW_COUNT = 1_000_000_000_000_000L;
  /** Most audit records in one ForwardAudit call. */
  static final int MAX_RECORDS_PER_CALL = 1000;
  /** How long one reading of the directory answers GetDirectory calls (1 s). */
  static final long DIRECTORY_CACHE_NANOS = 1_000_000_000L;
  /** Largest forwarded audit record, in characters. */
  static final int MAX_RECORD_LENGTH = 64 * 1024;

  /**
   * X25519 public keys of small order (RFC 7748 section 7): a shared secret with them is
   * predictable, so no node may register one.
   */
  private static final List<byte[]> LOW_ORDER_POINTS = List.of(
      HexFormat.of().parseHex("0000000000000000000000000000000000000000000000000000000000000000"),
      HexFormat.of().parseHex("0100000000000000000000000000000000000000000000000000000000000000"),
      HexFormat.of().parseHex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
      HexFormat.of().parseHex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
      HexFormat.of().parseHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
      HexFormat.of().parseHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
      HexFormat.of().parseHex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));

  /** Parses forwarded records; field names are not interned (agents choose them). */
  private static final JsonFactory RECORD_PARSER = JsonFactory.builder()
      .disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build();

  private final NodeDirectoryStore directory;
  private final PolicyStore policies;
  private final FlowStore flows;
  private final ForwardedAuditStore forwarded;
  private final AuthorizedEntries authorized;
  private final AuditLog audit;
  private final Clock clock;
  private final ChangeWatch changes;
  private volatile CachedDirectory directoryCache;
  private volatile PolicyAnswers policyAnswers;
  private final Object policyAnswersLock = new Object();

  NodeService(Datastore datastore, AuthorizedEntries authorized, AuditLog audit, Clock clock,
      ChangeWatch changes) {
    this.directory = datastore.directory();
    this.policies = datastore.policies();
    this.flows = datastore.flows();
    this.forwarded = datastore.forwardedAudit();
    this.authorized = authorized;
    this.audit = audit;
    this.clock = clock;
    this.changes = changes;
  }

  @Override
  public void registerHandshakeKey(RegisterHandshakeKeyRequest request,
      StreamObserver<RegisterHandshakeKeyResponse> out) {
    AgentCaller caller = AgentCaller.current();
    ObjectNode record = audit.newRecord("handshake_key");
    record.put("agent_id", caller.id().toString());
    byte[] key = request.getX25519PublicKey().toByteArray();
    List<String> addresses = new ArrayList<>();
    String invalid = null;
    if (key.length != 32) {
      invalid = "x25519_public_key must be 32 bytes, not " + key.length;
    } else if (LOW_ORDER_POINTS.stream().anyMatch(p -> Arrays.equals(p, key))) {
      invalid = "x25519_public_key is a point of small order";
    } else if (request.getAddressesCount() > MAX_ADDRESSES) {
      invalid = "at most " + MAX_ADDRESSES + " addresses, not " + request.getAddressesCount();
    } else {
      for (int i = 0; i < request.getAddressesCount() && invalid == null; i++) {
        try {
          String cidr = Cidr.parse(request.getAddresses(i)).toString();
          if (addresses.contains(cidr)) {
            invalid = "addresses[" + i + "]: " + cidr + " is listed twice";
          }
          addresses.add(cidr);
        } catch (IllegalArgumentException e) {
          invalid = "addresses[" + i + "]: invalid CIDR \"" + request.getAddresses(i) + "\": "
              + e.getMessage();
        }
      }
    }
    if (invalid != null) {
      record.put("status", "INVALID_ARGUMENT").put("status_message", invalid);
      audit.record(record);
      out.onError(Status.INVALID_ARGUMENT.withDescription(invalid).asRuntimeException());
      return;
    }
    record.put("public_key", HexFormat.of().formatHex(key));
    ArrayNode recorded = record.putArray("addresses");
    addresses.forEach(recorded::add);
    try {
      NodeDirectoryStore.Registration r = directory.register(caller.id().toString(), key, addresses);
      record.put("node_index", r.nodeIndex()).put("outcome", r.outcome().name().toLowerCase())
          .put("status", "OK");
      audit.record(record);
      out.onNext(RegisterHandshakeKeyResponse.newBuilder().setNodeIndex(r.nodeIndex()).build());
      out.onCompleted();
      changes.poke();
    } catch (NodeDirectoryStore.NoFreeNodeIndexException e) {
      record.put("status", "RESOURCE_EXHAUSTED").put("status_message", e.getMessage());
      audit.record(record);
      out.onError(Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  @Override
  public void allocateHandles(AllocateHandlesRequest request,
      StreamObserver<AllocateHandlesResponse> out) {
    AgentCaller caller = AgentCaller.current();
    if (request.getSpiffeIdsCount() > MAX_HANDLES_PER_CALL) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("at most " + MAX_HANDLES_PER_CALL
          + " SPIFFE IDs per call, not " + request.getSpiffeIdsCount()).asRuntimeException());
      return;
    }
    NodeDirectoryStore.NodeKey node = directory.node(caller.id().toString()).orElse(null);
    if (node == null) {
      out.onError(Status.FAILED_PRECONDITION.withDescription(
          "the agent has no handshake key: call RegisterHandshakeKey first").asRuntimeException());
      return;
    }
    Set<String> hostable = hostable(caller);
    AllocateHandlesResponse.Result[] results =
        new AllocateHandlesResponse.Result[request.getSpiffeIdsCount()];
    List<String> toAllocate = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < request.getSpiffeIdsCount(); i++) {
      String raw = request.getSpiffeIds(i);
      AllocateHandlesResponse.Result.Builder result = AllocateHandlesResponse.Result.newBuilder()
          .setSpiffeId(raw);
      String id;
      if (raw.isEmpty()) {
        results[i] = result.setStatus(status(Status.Code.INVALID_ARGUMENT, "missing SPIFFE ID")).build();
        continue;
      }
      try {
        id = SpiffeId.parse(raw).toString();
      } catch (InvalidSpiffeIdException e) {
        results[i] = result.setStatus(status(Status.Code.INVALID_ARGUMENT,
            "invalid SPIFFE ID: " + e.getMessage())).build();
        continue;
      }
      if (!seen.add(id)) {
        results[i] = result.setStatus(status(Status.Code.INVALID_ARGUMENT,
            "SPIFFE ID specified more than once")).build();
        continue;
      }
      if (!hostable.contains(id)) {
        results[i] = result.setStatus(status(Status.Code.PERMISSION_DENIED,
            "not the SPIFFE ID of an entry this agent is authorized for")).build();
        continue;
      }
      toAllocate.add(id);
      positions.add(i);
    }
    List<Allocation> allocated = toAllocate.isEmpty() ? List.of()
        : directory.allocate(node.nodeIndex(), toAllocate);
    ObjectNode record = audit.newRecord("identity_handles");
    record.put("agent_id", caller.id().toString()).put("node_index", node.nodeIndex());
    ArrayNode items = record.putArray("handles");
    for (int k = 0; k < allocated.size(); k++) {
      int i = positions.get(k);
      AllocateHandlesResponse.Result.Builder result = AllocateHandlesResponse.Result.newBuilder()
          .setSpiffeId(toAllocate.get(k));
      if (allocated.get(k) instanceof Allocation.Allocated a) {
        results[i] = result.setHandle((int) a.binding().handle())
            .setIdentity((int) a.binding().identity())
            .setStatus(status(Status.Code.OK, "OK")).build();
        items.addObject().put("spiffe_id", toAllocate.get(k)).put("handle", a.binding().handle())
            .put("identity", a.binding().identity()).put("created", a.created());
      } else {
        results[i] = result.setStatus(status(Status.Code.RESOURCE_EXHAUSTED,
            "no free identity slot on this node")).build();
      }
    }
    ArrayNode refused = record.putArray("refused");
    for (AllocateHandlesResponse.Result r : results) {
      if (r.getStatus().getCode() != Status.Code.OK.value()) {
        refused.addObject().put("spiffe_id", r.getSpiffeId())
            .put("status", Status.fromCodeValue(r.getStatus().getCode()).getCode().name())
            .put("status_message", r.getStatus().getMessage());
      }
    }
    audit.record(record);
    out.onNext(AllocateHandlesResponse.newBuilder().addAllResults(Arrays.asList(results)).build());
    out.onCompleted();
    if (allocated.stream().anyMatch(a -> a instanceof Allocation.Allocated x && x.created())) {
      changes.poke();
    }
  }

  @Override
  public void getDirectory(GetDirectoryRequest request, StreamObserver<GetDirectoryResponse> out) {
    AgentCaller.current();
    GetDirectoryResponse content = directoryContent();
    if (request.getKnownRevision() == content.getRevision()) {
      out.onNext(GetDirectoryResponse.newBuilder().setRevision(content.getRevision())
          .setUnchanged(true).build());
    } else {
      out.onNext(content);
    }
    out.onCompleted();
  }

  /** The last directory answer, with the stored counter and when it was read. */
  private record CachedDirectory(long counter, long readAtNanos, GetDirectoryResponse content) {}

  /**
   * The directory with its revision. Every agent asks at every sync (and at once after a change
   * notice), so one reading serves all of them for {@link #DIRECTORY_CACHE_NANOS} while the
   * stored counter (key registrations, handle allocations) is unchanged. Withdrawals that do not
   * move the counter (entry deleted or moved, agent evicted) are seen within that time.
   */
  private GetDirectoryResponse directoryContent() {
    long counter = directory.revision();
    CachedDirectory cached = directoryCache;
    long now = System.nanoTime();
    if (cached != null && cached.counter() == counter
        && now - cached.readAtNanos() < DIRECTORY_CACHE_NANOS) {
      return cached.content();
    }
    NodeDirectoryStore.Directory d = directory.directory(authorized.serverId());
    GetDirectoryResponse.Builder content = GetDirectoryResponse.newBuilder();
    for (NodeDirectoryStore.NodeKey n : d.nodes()) {
      content.addNodes(NodeKey.newBuilder().setAgentId(n.agentId()).setNodeIndex(n.nodeIndex())
          .setX25519PublicKey(ByteString.copyFrom(n.publicKey())).addAllAddresses(n.addresses())
          .setRegisteredAt(n.registeredAt()));
    }
    for (NodeDirectoryStore.Binding b : d.bindings()) {
      IdentityBinding.Builder binding = IdentityBinding.newBuilder().setHandle((int) b.handle())
          .setIdentity((int) b.identity()).setSpiffeId(b.spiffeId()).setNodeIndex(b.nodeIndex());
      b.selectors().forEach(s -> binding.addSelectors(
          Selector.newBuilder().setType(s.type()).setValue(s.value())));
      content.addBindings(binding);
    }
    // The revision names the content, not only the stored counter: bindings also change when
    // entries are deleted or agents evicted, which does not touch the counter.
    GetDirectoryResponse built = content.setRevision(revision(content.build())).build();
    directoryCache = new CachedDirectory(counter, now, built);
    return built;
  }

  /** A non-zero 63-bit digest of the directory's content. */
  static long revision(GetDirectoryResponse content) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(content.toByteArray());
      long value = java.nio.ByteBuffer.wrap(digest).getLong() & Long.MAX_VALUE;
      return value == 0 ? 1 : value;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  @Override
  public void getPolicies(GetPoliciesRequest request, StreamObserver<GetPoliciesResponse> out) {
    AgentCaller.current();
    long version = policies.version();
    PolicyAnswers answers = policyAnswers;
    if (answers == null || answers.version() != version) {
      // Every agent fetches each new version at about the same time: read it once.
      synchronized (policyAnswersLock) {
        answers = policyAnswers;
        if (answers == null || answers.version() != version) {
          answers = new PolicyAnswers(policies.state());
          policyAnswers = answers;
        }
      }
    }
    out.onNext(answers.answer(request.getKnownVersion(), request.getAcceptsChanges()));
    out.onCompleted();
  }

  @Override
  public void watchChanges(WatchChangesRequest request, StreamObserver<ChangeNotice> out) {
    changes.watch(AgentCaller.current().id().toString(), out);
  }

  @Override
  public void reportFlows(ReportFlowsRequest request, StreamObserver<ReportFlowsResponse> out) {
    AgentCaller caller = AgentCaller.current();
    if (request.getFlowsCount() > MAX_FLOWS_PER_REPORT) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("at most " + MAX_FLOWS_PER_REPORT
          + " flows per report, not " + request.getFlowsCount()).asRuntimeException());
      return;
    }
    long now = clock.instant().getEpochSecond();
    List<FlowStore.Flow> deltas = new ArrayList<>();
    for (int i = 0; i < request.getFlowsCount(); i++) {
      try {
        deltas.add(delta(request.getFlows(i), now));
      } catch (IllegalArgumentException e) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("flows[" + i + "]: " + e.getMessage())
            .asRuntimeException());
        return;
      }
    }
    Set<String> hostable = deltas.isEmpty() ? Set.of() : hostable(caller);
    List<FlowStore.Flow> accepted = new ArrayList<>();
    Set<String> refusedDestinations = new java.util.TreeSet<>();
    for (FlowStore.Flow f : deltas) {
      if (hostable.contains(f.destinationSpiffeId())) {
        accepted.add(f);
      } else {
        refusedDestinations.add(f.destinationSpiffeId());
      }
    }
    flows.add(accepted);
    long refused = deltas.size() - accepted.size();
    if (refused > 0) {
      ObjectNode record = audit.newRecord("flows_refused");
      record.put("agent_id", caller.id().toString()).put("flows", refused);
      ArrayNode ids = record.putArray("destinations");
      refusedDestinations.stream().limit(20).forEach(ids::add);
      audit.record(record);
    }
    out.onNext(ReportFlowsResponse.newBuilder().setRefused(refused).build());
    out.onCompleted();
  }

  private static FlowStore.Flow delta(Flow f, long now) {
    boolean hasId = !f.getSourceSpiffeId().isEmpty();
    boolean hasAddress = !f.getSourceAddress().isEmpty();
    if (hasId == hasAddress) {
      throw new IllegalArgumentException("exactly one of source_spiffe_id and source_address must"
          + " be set");
    }
    String source = hasId ? canonicalId("source_spiffe_id", f.getSourceSpiffeId()) : "";
    String address = hasAddress ? FlowAddresses.canonical(f.getSourceAddress()) : "";
    String destination = canonicalId("destination_spiffe_id", f.getDestinationSpiffeId());
    if (f.getPort() < 1 || f.getPort() > 65535) {
      throw new IllegalArgumentException("port must be 1-65535, not " + Integer.toUnsignedString(f.getPort()));
    }
    for (long count : new long[] {f.getAllowed(), f.getDenied(), f.getWouldDeny()}) {
      if (Long.compareUnsigned(count, MAX_FLOW_COUNT) > 0) {
        throw new IllegalArgumentException("count " + Long.toUnsignedString(count)
            + " is above " + MAX_FLOW_COUNT);
      }
    }
    long first = f.getFirstSeen() == 0 ? now : f.getFirstSeen();
    long last = f.getLastSeen() == 0 ? Math.max(now, first) : f.getLastSeen();
    if (first < 0 || last < first) {
      throw new IllegalArgumentException("first_seen and last_seen must be non-negative and in"
          + " order, not " + f.getFirstSeen() + " and " + f.getLastSeen());
    }
    return new FlowStore.Flow(source, address, destination, f.getPort(), f.getAllowed(),
        f.getDenied(), f.getWouldDeny(), first, last);
  }

  private static String canonicalId(String field, String value) {
    try {
      return SpiffeId.parse(value).toString();
    } catch (InvalidSpiffeIdException e) {
      throw new IllegalArgumentException(field + ": invalid SPIFFE ID \"" + value + "\": "
          + e.getMessage());
    }
  }

  @Override
  public void forwardAudit(ForwardAuditRequest request, StreamObserver<ForwardAuditResponse> out) {
    AgentCaller caller = AgentCaller.current();
    String invalid = null;
    int n = request.getRecordsCount();
    if (n > MAX_RECORDS_PER_CALL) {
      invalid = "at most " + MAX_RECORDS_PER_CALL + " records per call, not " + n;
    } else if (n > 0 && (request.getFirstSequence() < 1
        || request.getFirstSequence() > Long.MAX_VALUE - n)) {
      invalid = "first_sequence must be from 1 to 2^63-" + (n + 1) + ", not "
          + Long.toUnsignedString(request.getFirstSequence());
    }
    for (int i = 0; i < n && invalid == null; i++) {
      invalid = checkRecord(request.getRecords(i));
      if (invalid != null) {
        invalid = "records[" + i + "]: " + invalid;
      }
    }
    if (invalid != null) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(invalid).asRuntimeException());
      return;
    }
    try {
      long through = forwarded.forward(caller.id().toString(), request.getFirstSequence(),
          request.getRecordsList());
      out.onNext(ForwardAuditResponse.newBuilder().setAcknowledgedThrough(through).build());
      out.onCompleted();
    } catch (ForwardedAuditStore.ConflictingRecordException e) {
      out.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  /**
   * Why a forwarded record is unacceptable, or null: it must be one JSON object, nothing after
   * it, with a {@code "schema": "synid.audit/..."} member. Read as a token stream without
   * building a tree: every record an agent forwards passes here (tens of thousands a second).
   */
  static String checkRecord(String record) {
    if (record.length() > MAX_RECORD_LENGTH) {
      return "longer than " + MAX_RECORD_LENGTH + " characters";
    }
    try (JsonParser p = RECORD_PARSER.createParser(record)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return "not a JSON object";
      }
      boolean schema = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("schema".equals(name)) {
          schema = value == JsonToken.VALUE_STRING && p.getText().startsWith("synid.audit/");
        }
        if (value.isStructStart()) {
          p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        return "not JSON: content after the object";
      }
      return schema ? null : "no \"schema\": \"synid.audit/...\" field";
    } catch (IOException e) {
      return "not JSON";
    }
  }

  /** The SPIFFE IDs of the entries the caller is authorized for. */
  private Set<String> hostable(AgentCaller caller) {
    Set<String> ids = new HashSet<>();
    for (RegistrationEntry e : authorized.forAgent(caller.id().toString(), caller.node().selectors())) {
      ids.add(e.spiffeId());
    }
    return ids;
  }

  private static io.synid.api.spire.types.Status status(Status.Code code, String message) {
    return io.synid.api.spire.types.Status.newBuilder().setCode(code.value()).setMessage(message)
        .build();
  }
}
