package io.synid.server.cli;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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
import io.synid.api.spire.server.entry.v1.GetEntryRequest;
import io.synid.api.spire.server.entry.v1.ListEntriesRequest;
import io.synid.api.spire.server.entry.v1.ListEntriesResponse;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.FederatesWithMatch;
import io.synid.api.spire.types.SelectorMatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * An in-memory Entry service with SPIRE's semantics for what the CLI uses: filters and match
 * modes, paging, batch calls with per-entry status, {@code ALREADY_EXISTS} for an entry with the
 * same SPIFFE ID, parent and selectors. Records every request.
 */
public final class FakeEntryService extends EntryGrpc.EntryImplBase {
  /** Creation time given to stored entries. */
  public static final long CREATED_AT = 1_700_000_000L;

  public final List<Message> requests = new ArrayList<>();
  private final Map<String, Entry> store = new LinkedHashMap<>();
  private int nextId = 1;
  private Status failure;

  /** Puts an entry as is (an ID is generated when it has none); returns the stored entry. */
  public Entry put(Entry entry) {
    Entry stored = entry.getId().isEmpty()
        ? entry.toBuilder().setId("id-" + nextId++).build()
        : entry;
    store.put(stored.getId(), stored);
    return stored;
  }

  public Collection<Entry> stored() {
    return store.values();
  }

  /** Makes every following call fail with {@code status}. */
  public void failWith(Status status) {
    this.failure = status;
  }

  @SuppressWarnings("unchecked")
  public <T extends Message> List<T> requests(Class<T> type) {
    return requests.stream().filter(type::isInstance).map(r -> (T) r).toList();
  }

  private boolean failed(Message request, StreamObserver<?> response) {
    requests.add(request);
    if (failure != null) {
      response.onError(failure.asRuntimeException());
      return true;
    }
    return false;
  }

  @Override
  public void countEntries(CountEntriesRequest request, StreamObserver<CountEntriesResponse> response) {
    if (failed(request, response)) {
      return;
    }
    ListEntriesRequest.Filter filter;
    try {
      filter = ListEntriesRequest.Filter.parseFrom(request.getFilter().toByteString());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
    int count = (int) store.values().stream().filter(matches(filter)).count();
    response.onNext(CountEntriesResponse.newBuilder().setCount(count).build());
    response.onCompleted();
  }

  @Override
  public void listEntries(ListEntriesRequest request, StreamObserver<ListEntriesResponse> response) {
    if (failed(request, response)) {
      return;
    }
    List<Entry> matching = store.values().stream().filter(matches(request.getFilter())).toList();
    int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
    int size = request.getPageSize() == 0 ? matching.size() : request.getPageSize();
    int to = Math.min(matching.size(), from + size);
    ListEntriesResponse.Builder page = ListEntriesResponse.newBuilder()
        .addAllEntries(matching.subList(from, to));
    if (to < matching.size()) {
      page.setNextPageToken(Integer.toString(to));
    }
    response.onNext(page.build());
    response.onCompleted();
  }

  @Override
  public void getEntry(GetEntryRequest request, StreamObserver<Entry> response) {
    if (failed(request, response)) {
      return;
    }
    Entry entry = store.get(request.getId());
    if (entry == null) {
      response.onError(new StatusRuntimeException(Status.NOT_FOUND.withDescription("entry not found")));
      return;
    }
    response.onNext(entry);
    response.onCompleted();
  }

  @Override
  public void batchCreateEntry(BatchCreateEntryRequest request,
      StreamObserver<BatchCreateEntryResponse> response) {
    if (failed(request, response)) {
      return;
    }
    BatchCreateEntryResponse.Builder out = BatchCreateEntryResponse.newBuilder();
    for (Entry e : request.getEntriesList()) {
      BatchCreateEntryResponse.Result.Builder r = out.addResultsBuilder();
      if (e.getSelectorsCount() == 0) {
        r.setStatus(status(Status.Code.INVALID_ARGUMENT, "failed to convert entry: selector list is empty"));
      } else if (store.values().stream().anyMatch(s -> key(s).equals(key(e)))
          || store.containsKey(e.getId())) {
        r.setStatus(status(Status.Code.ALREADY_EXISTS, "similar entry already exists"));
      } else {
        Entry stored = put(e.toBuilder().setRevisionNumber(0).setCreatedAt(CREATED_AT).build());
        r.setStatus(status(Status.Code.OK, "OK")).setEntry(stored);
      }
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void batchUpdateEntry(BatchUpdateEntryRequest request,
      StreamObserver<BatchUpdateEntryResponse> response) {
    if (failed(request, response)) {
      return;
    }
    BatchUpdateEntryResponse.Builder out = BatchUpdateEntryResponse.newBuilder();
    for (Entry e : request.getEntriesList()) {
      BatchUpdateEntryResponse.Result.Builder r = out.addResultsBuilder();
      Entry old = store.get(e.getId());
      if (old == null) {
        r.setStatus(status(Status.Code.NOT_FOUND, "failed to update entry"));
      } else {
        Entry updated = e.toBuilder()
            .setRevisionNumber(old.getRevisionNumber() + 1)
            .setCreatedAt(old.getCreatedAt())
            .build();
        store.put(updated.getId(), updated);
        r.setStatus(status(Status.Code.OK, "OK")).setEntry(updated);
      }
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void batchDeleteEntry(BatchDeleteEntryRequest request,
      StreamObserver<BatchDeleteEntryResponse> response) {
    if (failed(request, response)) {
      return;
    }
    BatchDeleteEntryResponse.Builder out = BatchDeleteEntryResponse.newBuilder();
    for (String id : request.getIdsList()) {
      boolean removed = store.remove(id) != null;
      out.addResultsBuilder().setId(id).setStatus(removed
          ? status(Status.Code.OK, "OK")
          : status(Status.Code.NOT_FOUND, "entry not found"));
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  static io.synid.api.spire.types.Status status(Status.Code code, String message) {
    return io.synid.api.spire.types.Status.newBuilder().setCode(code.value()).setMessage(message).build();
  }

  private static String key(Entry e) {
    return ProtoIds.format(e.getSpiffeId()) + " " + ProtoIds.format(e.getParentId()) + " "
        + selectorSet(e);
  }

  private static Set<String> selectorSet(Entry e) {
    Set<String> set = new TreeSet<>();
    e.getSelectorsList().forEach(s -> set.add(s.getType() + ":" + s.getValue()));
    return set;
  }

  private static Predicate<Entry> matches(ListEntriesRequest.Filter f) {
    return e -> {
      if (f.hasBySpiffeId() && !e.getSpiffeId().equals(f.getBySpiffeId())) {
        return false;
      }
      if (f.hasByParentId() && !e.getParentId().equals(f.getByParentId())) {
        return false;
      }
      if (f.hasByHint() && !e.getHint().equals(f.getByHint().getValue())) {
        return false;
      }
      if (f.hasByDownstream() && e.getDownstream() != f.getByDownstream().getValue()) {
        return false;
      }
      if (f.hasBySelectors()) {
        Set<String> want = new TreeSet<>();
        f.getBySelectors().getSelectorsList().forEach(s -> want.add(s.getType() + ":" + s.getValue()));
        if (!setMatch(selectorSet(e), want, f.getBySelectors().getMatch().getNumber())) {
          return false;
        }
      }
      if (f.hasByFederatesWith()) {
        Set<String> have = new TreeSet<>();
        e.getFederatesWithList().forEach(td -> have.add(td.replace("spiffe://", "")));
        Set<String> want = new TreeSet<>();
        f.getByFederatesWith().getTrustDomainsList().forEach(td -> want.add(td.replace("spiffe://", "")));
        return setMatch(have, want, f.getByFederatesWith().getMatch().getNumber());
      }
      return true;
    };
  }

  private static boolean setMatch(Set<String> have, Set<String> want, int match) {
    return switch (match) {
      case SelectorMatch.MatchBehavior.MATCH_EXACT_VALUE -> have.equals(want);
      case SelectorMatch.MatchBehavior.MATCH_SUBSET_VALUE -> want.containsAll(have);
      case SelectorMatch.MatchBehavior.MATCH_SUPERSET_VALUE -> have.containsAll(want);
      case SelectorMatch.MatchBehavior.MATCH_ANY_VALUE -> have.stream().anyMatch(want::contains);
      default -> throw new IllegalArgumentException("match " + match
          + " (" + FederatesWithMatch.MatchBehavior.forNumber(match) + ")");
    };
  }
}
