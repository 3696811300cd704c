package io.synid.server.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryResponse;
import io.synid.api.spire.server.entry.v1.BatchDeleteEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchDeleteEntryResponse;
import io.synid.api.spire.server.entry.v1.BatchUpdateEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchUpdateEntryResponse;
import io.synid.api.spire.server.entry.v1.CountEntriesRequest;
import io.synid.api.spire.server.entry.v1.CountEntriesResponse;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.server.entry.v1.GetAuthorizedEntriesRequest;
import io.synid.api.spire.server.entry.v1.GetAuthorizedEntriesResponse;
import io.synid.api.spire.server.entry.v1.GetEntryRequest;
import io.synid.api.spire.server.entry.v1.ListEntriesRequest;
import io.synid.api.spire.server.entry.v1.ListEntriesResponse;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesRequest;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesResponse;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.FederatesWithMatch;
import io.synid.api.spire.types.SelectorMatch;
import io.synid.server.datastore.AlreadyExistsException;
import io.synid.server.datastore.EntryStore;
import io.synid.server.entry.EntryFilter;
import io.synid.server.entry.EntryValidator;
import io.synid.server.entry.InvalidEntryException;
import io.synid.server.entry.RegistrationEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code spire.api.server.entry.v1.Entry} for administrators. Batch RPCs answer OK with a status
 * per item, as SPIRE's do. The agent RPCs ({@code GetAuthorizedEntries},
 * {@code SyncAuthorizedEntries}) need an agent identity and are refused here.
 */
public final class EntryService extends EntryGrpc.EntryImplBase {
  /** Upper bound of one page; a request without page size still gets every entry. */
  static final int MAX_PAGE_SIZE = 10_000;

  private final EntryStore store;
  private final EntryValidator validator;

  public EntryService(EntryStore store, EntryValidator validator) {
    this.store = store;
    this.validator = validator;
  }

  @Override
  public void countEntries(CountEntriesRequest request,
      StreamObserver<CountEntriesResponse> response) {
    try {
      long count = store.count(filter(sameFilter(request.getFilter())));
      response.onNext(CountEntriesResponse.newBuilder()
          .setCount((int) Math.min(Integer.MAX_VALUE, count)).build());
      response.onCompleted();
    } catch (InvalidEntryException e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  /**
   * CountEntries' filter has the same fields and numbers as ListEntries' (SPIRE defines them
   * twice), so its bytes are a ListEntries filter.
   */
  private static ListEntriesRequest.Filter sameFilter(CountEntriesRequest.Filter filter) {
    try {
      return ListEntriesRequest.Filter.parseFrom(filter.toByteString());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("CountEntries and ListEntries filters diverged", e);
    }
  }

  @Override
  public void listEntries(ListEntriesRequest request, StreamObserver<ListEntriesResponse> response) {
    if (request.getPageSize() < 0) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("page_size cannot be negative").asRuntimeException());
      return;
    }
    try {
      EntryFilter filter = filter(request.getFilter());
      int pageSize = Math.min(request.getPageSize(), MAX_PAGE_SIZE);
      EntryStore.Page page = store.list(filter, pageSize, request.getPageToken());
      ListEntriesResponse.Builder b = ListEntriesResponse.newBuilder().setNextPageToken(page.nextPageToken());
      for (RegistrationEntry e : page.entries()) {
        b.addEntries(ProtoEntries.toProto(e, request.getOutputMask(), request.hasOutputMask()));
      }
      response.onNext(b.build());
      response.onCompleted();
    } catch (InvalidEntryException e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  private static EntryFilter filter(ListEntriesRequest.Filter f) throws InvalidEntryException {
    Optional<SelectorMatch> selectors = f.hasBySelectors() ? Optional.of(f.getBySelectors()) : Optional.empty();
    Optional<FederatesWithMatch> federatesWith =
        f.hasByFederatesWith() ? Optional.of(f.getByFederatesWith()) : Optional.empty();
    EntryFilter filter = EntryFilter.ALL;
    if (f.hasBySpiffeId()) {
      filter = filter.withSpiffeId(ProtoEntries.spiffeId("by_spiffe_id filter", f.getBySpiffeId()));
    }
    if (f.hasByParentId()) {
      filter = filter.withParentId(ProtoEntries.spiffeId("by_parent_id filter", f.getByParentId()));
    }
    if (selectors.isPresent()) {
      if (selectors.get().getSelectorsCount() == 0) {
        throw new InvalidEntryException("malformed selectors filter: empty selector set");
      }
      filter = filter.withSelectors(ProtoEntries.selectors(selectors.get().getSelectorsList()),
          match(selectors.get().getMatchValue()));
    }
    if (federatesWith.isPresent()) {
      if (federatesWith.get().getTrustDomainsCount() == 0) {
        throw new InvalidEntryException("malformed federates_with filter: empty trust domain set");
      }
      List<String> names = new ArrayList<>();
      for (String td : federatesWith.get().getTrustDomainsList()) {
        try {
          names.add(io.synid.core.spiffeid.TrustDomain.parse(td).name());
        } catch (Exception e) {
          throw new InvalidEntryException("malformed federates_with filter \"" + td + "\": " + e.getMessage());
        }
      }
      filter = filter.withFederatesWith(names, match(federatesWith.get().getMatchValue()));
    }
    if (f.hasByHint()) {
      filter = filter.withHint(f.getByHint().getValue());
    }
    if (f.hasByDownstream()) {
      filter = filter.withDownstream(f.getByDownstream().getValue());
    }
    return filter;
  }

  /** SPIRE's MatchBehavior numbers: EXACT 0, SUBSET 1, SUPERSET 2, ANY 3. */
  private static EntryFilter.Match match(int value) throws InvalidEntryException {
    return switch (value) {
      case 0 -> EntryFilter.Match.EXACT;
      case 1 -> EntryFilter.Match.SUBSET;
      case 2 -> EntryFilter.Match.SUPERSET;
      case 3 -> EntryFilter.Match.ANY;
      default -> throw new InvalidEntryException("unknown match behavior " + value);
    };
  }

  @Override
  public void getEntry(GetEntryRequest request, StreamObserver<Entry> response) {
    if (request.getId().isEmpty()) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("missing ID").asRuntimeException());
      return;
    }
    Optional<RegistrationEntry> entry = store.get(request.getId());
    if (entry.isEmpty()) {
      response.onError(Status.NOT_FOUND.withDescription("entry not found").asRuntimeException());
      return;
    }
    response.onNext(ProtoEntries.toProto(entry.get(), request.getOutputMask(), request.hasOutputMask()));
    response.onCompleted();
  }

  @Override
  public void batchCreateEntry(BatchCreateEntryRequest request,
      StreamObserver<BatchCreateEntryResponse> response) {
    int n = request.getEntriesCount();
    BatchCreateEntryResponse.Result[] results = new BatchCreateEntryResponse.Result[n];
    List<RegistrationEntry> valid = new ArrayList<>();
    List<Integer> validIndex = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try {
        RegistrationEntry entry = validator.validate(ProtoEntries.fromProto(request.getEntries(i)));
        valid.add(entry);
        validIndex.add(i);
      } catch (InvalidEntryException e) {
        results[i] = BatchCreateEntryResponse.Result.newBuilder()
            .setStatus(status(Status.Code.INVALID_ARGUMENT, "failed to convert entry: " + e.getMessage()))
            .build();
      }
    }
    List<EntryStore.CreateResult> created = store.createAll(valid);
    for (int k = 0; k < created.size(); k++) {
      EntryStore.CreateResult r = created.get(k);
      BatchCreateEntryResponse.Result.Builder b = BatchCreateEntryResponse.Result.newBuilder();
      if (r instanceof EntryStore.CreateResult.Created c) {
        b.setStatus(status(Status.Code.OK, "OK"))
            .setEntry(ProtoEntries.toProto(c.entry(), request.getOutputMask(), request.hasOutputMask()));
      } else if (r instanceof EntryStore.CreateResult.Exists x) {
        b.setStatus(status(Status.Code.ALREADY_EXISTS, "similar entry already exists"))
            .setEntry(ProtoEntries.toProto(x.existing(), request.getOutputMask(), request.hasOutputMask()));
      }
      results[validIndex.get(k)] = b.build();
    }
    response.onNext(BatchCreateEntryResponse.newBuilder().addAllResults(List.of(results)).build());
    response.onCompleted();
  }

  @Override
  public void batchUpdateEntry(BatchUpdateEntryRequest request,
      StreamObserver<BatchUpdateEntryResponse> response) {
    BatchUpdateEntryResponse.Builder out = BatchUpdateEntryResponse.newBuilder();
    for (Entry requested : request.getEntriesList()) {
      out.addResults(updateOne(requested, request));
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  private BatchUpdateEntryResponse.Result updateOne(Entry requested, BatchUpdateEntryRequest request) {
    BatchUpdateEntryResponse.Result.Builder b = BatchUpdateEntryResponse.Result.newBuilder();
    if (requested.getId().isEmpty()) {
      return b.setStatus(status(Status.Code.INVALID_ARGUMENT, "failed to convert entry: missing ID")).build();
    }
    Optional<RegistrationEntry> current = store.get(requested.getId());
    if (current.isEmpty()) {
      return b.setStatus(status(Status.Code.NOT_FOUND, "entry not found")).build();
    }
    try {
      Entry merged = ProtoEntries.merge(ProtoEntries.toProto(current.get(), null, false), requested,
          request.getInputMask(), request.hasInputMask());
      RegistrationEntry entry = validator.validate(ProtoEntries.fromProto(merged));
      Optional<RegistrationEntry> updated = store.update(entry);
      if (updated.isEmpty()) {
        return b.setStatus(status(Status.Code.NOT_FOUND, "entry not found")).build();
      }
      return b.setStatus(status(Status.Code.OK, "OK"))
          .setEntry(ProtoEntries.toProto(updated.get(), request.getOutputMask(), request.hasOutputMask()))
          .build();
    } catch (InvalidEntryException e) {
      return b.setStatus(status(Status.Code.INVALID_ARGUMENT, "failed to convert entry: " + e.getMessage())).build();
    } catch (AlreadyExistsException e) {
      return b.setStatus(status(Status.Code.ALREADY_EXISTS, "similar entry already exists")).build();
    }
  }

  @Override
  public void batchDeleteEntry(BatchDeleteEntryRequest request,
      StreamObserver<BatchDeleteEntryResponse> response) {
    BatchDeleteEntryResponse.Builder out = BatchDeleteEntryResponse.newBuilder();
    for (String id : request.getIdsList()) {
      BatchDeleteEntryResponse.Result.Builder r = BatchDeleteEntryResponse.Result.newBuilder().setId(id);
      if (id.isEmpty()) {
        r.setStatus(status(Status.Code.INVALID_ARGUMENT, "missing entry ID"));
      } else if (store.delete(id).isPresent()) {
        r.setStatus(status(Status.Code.OK, "OK"));
      } else {
        r.setStatus(status(Status.Code.NOT_FOUND, "entry not found"));
      }
      out.addResults(r);
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void getAuthorizedEntries(GetAuthorizedEntriesRequest request,
      StreamObserver<GetAuthorizedEntriesResponse> response) {
    response.onError(Status.PERMISSION_DENIED
        .withDescription("caller is not an agent: authorized entries are served on the agent API")
        .asRuntimeException());
  }

  @Override
  public StreamObserver<SyncAuthorizedEntriesRequest> syncAuthorizedEntries(
      StreamObserver<SyncAuthorizedEntriesResponse> response) {
    response.onError(Status.PERMISSION_DENIED
        .withDescription("caller is not an agent: authorized entries are served on the agent API")
        .asRuntimeException());
    return new StreamObserver<>() {
      @Override
      public void onNext(SyncAuthorizedEntriesRequest value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  static io.synid.api.spire.types.Status status(Status.Code code, String message) {
    return io.synid.api.spire.types.Status.newBuilder().setCode(code.value()).setMessage(message).build();
  }
}
