package io.synid.server.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synid.api.node.v1.PolicyDocument;
import io.synid.api.policy.v1.AcceptSuggestionRequest;
import io.synid.api.policy.v1.ApplyPoliciesRequest;
import io.synid.api.policy.v1.ApplyPoliciesResponse;
import io.synid.api.policy.v1.DeletePolicyRequest;
import io.synid.api.policy.v1.DeletePolicyResponse;
import io.synid.api.policy.v1.ListPoliciesRequest;
import io.synid.api.policy.v1.ListPoliciesResponse;
import io.synid.api.policy.v1.PolicyGrpc;
import io.synid.api.policy.v1.SetModeRequest;
import io.synid.api.policy.v1.SetModeResponse;
import io.synid.api.policy.v1.SuggestPoliciesRequest;
import io.synid.api.policy.v1.SuggestPoliciesResponse;
import io.synid.policy.model.Mode;
import io.synid.policy.parse.InvalidPolicyException;
import io.synid.policy.parse.PolicySource;
import io.synid.server.datastore.EntryStore;
import io.synid.server.datastore.FlowStore;
import io.synid.server.datastore.PolicyStore;
import io.synid.server.datastore.PolicyStore.PolicyState;
import io.synid.server.datastore.PolicyStore.StoredPolicy;
import io.synid.server.datastore.PolicyStore.StoredSuggestion;
import io.synid.server.entry.EntryFilter;
import io.synid.server.policy.FlowSuggestions;
import io.synid.server.policy.PolicyChanges;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code synid.api.policy.v1.Policy}: the versioned policy set, mode overrides and suggestions
 * from observed flows.
 *
 * <p>Every change is validated against the state it replaces inside one datastore transaction
 * ({@link PolicyStore#update}); invalid input answers INVALID_ARGUMENT with the policy parser's
 * errors, one per line ({@code file:line:column: field.path: message}), and stores nothing.
 */
public final class PolicyService extends PolicyGrpc.PolicyImplBase {
  /** The file name used in error positions when the request names none. */
  static final String DEFAULT_SOURCE_NAME = "policies.yaml";

  private final PolicyStore policies;
  private final FlowStore flows;
  private final EntryStore entries;
  /** The stored policies as last parsed: an apply re-reads only what changed. */
  private final io.synid.policy.parse.PolicyParser.Cache parsed =
      new io.synid.policy.parse.PolicyParser.Cache();

  public PolicyService(PolicyStore policies, FlowStore flows, EntryStore entries) {
    this.policies = policies;
    this.flows = flows;
    this.entries = entries;
  }

  @Override
  public void applyPolicies(ApplyPoliciesRequest request,
      StreamObserver<ApplyPoliciesResponse> out) {
    String name = request.getSourceName().isEmpty() ? DEFAULT_SOURCE_NAME : request.getSourceName();
    apply(PolicySource.of(name, request.getYaml()), out, null);
  }

  private void apply(PolicySource source, StreamObserver<ApplyPoliciesResponse> out,
      String acceptedSuggestion) {
    PolicyChanges.Plan[] plan = new PolicyChanges.Plan[1];
    long version;
    try {
      version = policies.update(current -> {
        plan[0] = PolicyChanges.apply(current, source, parsed);
        return plan[0].change();
      });
    } catch (InvalidPolicyException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    if (acceptedSuggestion != null) {
      policies.deleteSuggestion(acceptedSuggestion);
    }
    out.onNext(ApplyPoliciesResponse.newBuilder()
        .setVersion(version)
        .addAllCreated(plan[0].created())
        .addAllUpdated(plan[0].updated())
        .addAllUnchanged(plan[0].unchanged())
        .build());
    out.onCompleted();
  }

  @Override
  public void listPolicies(ListPoliciesRequest request, StreamObserver<ListPoliciesResponse> out) {
    PolicyState state = policies.state();
    ListPoliciesResponse.Builder response = ListPoliciesResponse.newBuilder()
        .setVersion(state.version())
        .putAllModeOverrides(state.modes());
    if (request.getName().isEmpty()) {
      state.policies().values().forEach(p -> response.addPolicies(document(p)));
    } else {
      StoredPolicy p = state.policies().get(request.getName());
      if (p == null) {
        out.onError(Status.NOT_FOUND.withDescription("policy \"" + request.getName()
            + "\" not found").asRuntimeException());
        return;
      }
      response.addPolicies(document(p));
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  @Override
  public void deletePolicy(DeletePolicyRequest request, StreamObserver<DeletePolicyResponse> out) {
    if (request.getName().isEmpty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("missing policy name").asRuntimeException());
      return;
    }
    try {
      long version = policies.update(current -> PolicyChanges.delete(current, request.getName()));
      out.onNext(DeletePolicyResponse.newBuilder().setVersion(version).build());
      out.onCompleted();
    } catch (PolicyChanges.NoSuchPolicyException e) {
      out.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  @Override
  public void suggestPolicies(SuggestPoliciesRequest request,
      StreamObserver<SuggestPoliciesResponse> out) {
    Mode mode;
    Set<String> destinations = new LinkedHashSet<>();
    try {
      mode = switch (request.getMode()) {
        case "", "monitor" -> Mode.MONITOR;
        case "enforce" -> Mode.ENFORCE;
        default -> throw new IllegalArgumentException("mode must be monitor or enforce, not \""
            + request.getMode() + "\"");
      };
      for (String d : request.getDestinationSpiffeIdsList()) {
        destinations.add(PolicyChanges.canonicalId(d));
      }
    } catch (IllegalArgumentException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    List<FlowStore.Flow> seen = new ArrayList<>();
    if (destinations.isEmpty()) {
      seen.addAll(flows.list(FlowStore.Filter.ALL));
    } else {
      for (String d : destinations) {
        seen.addAll(flows.list(new FlowStore.Filter("", "", d, 0, null)));
      }
    }
    FlowSuggestions.Suggestion suggestion = FlowSuggestions.suggest(seen,
        entries.list(EntryFilter.ALL, 0, "").entries(), mode);
    SuggestPoliciesResponse.Builder response = SuggestPoliciesResponse.newBuilder()
        .setFlows(suggestion.flows());
    if (!suggestion.policies().isEmpty()) {
      StoredSuggestion stored = policies.saveSuggestion(suggestion.yaml(), suggestion.flows());
      response.setSuggestionId(stored.id()).setYaml(stored.yaml());
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  @Override
  public void acceptSuggestion(AcceptSuggestionRequest request,
      StreamObserver<ApplyPoliciesResponse> out) {
    if (request.getSuggestionId().isEmpty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("missing suggestion ID").asRuntimeException());
      return;
    }
    StoredSuggestion s = policies.suggestion(request.getSuggestionId()).orElse(null);
    if (s == null) {
      out.onError(Status.NOT_FOUND.withDescription("suggestion \"" + request.getSuggestionId()
          + "\" not found: it was accepted, superseded by a newer suggestion, or never made")
          .asRuntimeException());
      return;
    }
    apply(PolicySource.of("suggestion-" + s.id() + ".yaml", s.yaml()), out, s.id());
  }

  @Override
  public void setMode(SetModeRequest request, StreamObserver<SetModeResponse> out) {
    try {
      long version = policies.update(current ->
          PolicyChanges.setMode(current, request.getSpiffeId(), request.getMode()));
      out.onNext(SetModeResponse.newBuilder().setVersion(version).build());
      out.onCompleted();
    } catch (IllegalArgumentException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  /** The wire form of a stored policy. */
  public static PolicyDocument document(StoredPolicy p) {
    return PolicyDocument.newBuilder().setName(p.name()).setYaml(p.yaml()).setVersion(p.version())
        .build();
  }
}
