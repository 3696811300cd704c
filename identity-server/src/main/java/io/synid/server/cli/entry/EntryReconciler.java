package io.synid.server.cli.entry;

import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchCreateEntryResponse;
import io.synid.api.spire.server.entry.v1.BatchUpdateEntryRequest;
import io.synid.api.spire.server.entry.v1.BatchUpdateEntryResponse;
import io.synid.api.spire.server.entry.v1.EntryGrpc.EntryBlockingStub;
import io.synid.api.spire.server.entry.v1.GetEntryRequest;
import io.synid.api.spire.server.entry.v1.ListEntriesRequest;
import io.synid.api.spire.server.entry.v1.ListEntriesResponse;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.SelectorMatch;
import io.synid.api.spire.types.Status;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GrpcErrors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Makes the server hold a set of entries, touching only what differs ({@code entry apply}).
 *
 * <p>Each desired entry is matched to an existing one by its entry ID when it has one
 * ({@code GetEntry}), otherwise by SPIFFE ID, parent ID and selector set ({@code ListEntries}
 * with an exact selector match). Missing entries are created ({@code BatchCreateEntry}),
 * differing ones replaced whole ({@code BatchUpdateEntry}, keeping the existing ID), equal ones
 * left alone, so applying the same file twice changes nothing the second time. Entries on the
 * server that the file does not mention are not touched.
 *
 * <p>Implementation notes: lookups are one call per desired entry, so the cost follows the size
 * of the file, not of the database. Writes go in batches of {@value #BATCH_SIZE}. Two desired
 * entries that would land on the same server entry are rejected before anything is written.
 */
final class EntryReconciler {
  static final int BATCH_SIZE = 50;
  private static final int PAGE_SIZE = 500;

  /** What happened to one desired entry. */
  enum Action { CREATED, UPDATED, UNCHANGED, FAILED }

  /**
   * One desired entry's outcome.
   *
   * @param entry the server's entry after the call (the desired entry when it failed)
   * @param changedFields for updates, the proto names of the fields that differed
   * @param operation for failures, {@code create} or {@code update}
   * @param status for failures, the per-entry status from the server
   */
  record Outcome(Action action, Entry entry, List<String> changedFields, String operation,
      Status status) {
    Outcome {
      Objects.requireNonNull(action, "action");
      Objects.requireNonNull(entry, "entry");
      changedFields = List.copyOf(changedFields);
    }
  }

  private final EntryBlockingStub entries;

  EntryReconciler(EntryBlockingStub entries) {
    this.entries = Objects.requireNonNull(entries, "entries");
  }

  /** Applies {@code desired}; returns one outcome per desired entry, in file order. */
  List<Outcome> apply(List<Entry> desired) throws CliException {
    checkNoDuplicates(desired);
    Outcome[] outcomes = new Outcome[desired.size()];
    List<Integer> toCreate = new ArrayList<>();
    List<Integer> toUpdate = new ArrayList<>();
    List<Entry> updates = new ArrayList<>();
    List<List<String>> updateChanges = new ArrayList<>();
    Map<String, Integer> claimed = new HashMap<>();
    for (int i = 0; i < desired.size(); i++) {
      Entry want = serverManagedFieldsCleared(desired.get(i));
      Optional<Entry> existing = find(want);
      if (existing.isEmpty()) {
        toCreate.add(i);
        continue;
      }
      Entry have = existing.get();
      Integer other = claimed.putIfAbsent(have.getId(), i);
      if (other != null) {
        throw new CliException("entries " + (other + 1) + " and " + (i + 1)
            + " of the file both match existing entry " + have.getId());
      }
      List<String> changed = EntryDiff.changedFields(have, want);
      if (changed.isEmpty()) {
        outcomes[i] = new Outcome(Action.UNCHANGED, have, List.of(), null, null);
      } else {
        toUpdate.add(i);
        updates.add(want.toBuilder().setId(have.getId()).build());
        updateChanges.add(changed);
      }
    }
    create(desired, toCreate, outcomes);
    update(toUpdate, updates, updateChanges, outcomes);
    return List.of(outcomes);
  }

  private void create(List<Entry> desired, List<Integer> indexes, Outcome[] outcomes) {
    for (int from = 0; from < indexes.size(); from += BATCH_SIZE) {
      List<Integer> batch = indexes.subList(from, Math.min(indexes.size(), from + BATCH_SIZE));
      BatchCreateEntryRequest.Builder request = BatchCreateEntryRequest.newBuilder();
      for (int i : batch) {
        request.addEntries(serverManagedFieldsCleared(desired.get(i)));
      }
      BatchCreateEntryResponse response;
      try {
        response = entries.batchCreateEntry(request.build());
      } catch (StatusRuntimeException e) {
        // Earlier batches are done; report this one as failed and go on.
        for (int k = 0; k < batch.size(); k++) {
          outcomes[batch.get(k)] = callFailed("create", request.getEntries(k), e);
        }
        continue;
      }
      for (int k = 0; k < batch.size(); k++) {
        int i = batch.get(k);
        Entry asked = request.getEntries(k);
        outcomes[i] = k < response.getResultsCount()
            ? outcome(Action.CREATED, "create", response.getResults(k).getStatus(),
                response.getResults(k).hasEntry() ? response.getResults(k).getEntry() : asked,
                asked, List.of())
            : missingResult("create", asked);
      }
    }
  }

  private void update(List<Integer> indexes, List<Entry> updates, List<List<String>> changes,
      Outcome[] outcomes) {
    for (int from = 0; from < indexes.size(); from += BATCH_SIZE) {
      int to = Math.min(indexes.size(), from + BATCH_SIZE);
      BatchUpdateEntryResponse response;
      try {
        response = entries.batchUpdateEntry(
            BatchUpdateEntryRequest.newBuilder().addAllEntries(updates.subList(from, to)).build());
      } catch (StatusRuntimeException e) {
        for (int k = from; k < to; k++) {
          outcomes[indexes.get(k)] = callFailed("update", updates.get(k), e);
        }
        continue;
      }
      for (int k = from; k < to; k++) {
        int r = k - from;
        Entry asked = updates.get(k);
        outcomes[indexes.get(k)] = r < response.getResultsCount()
            ? outcome(Action.UPDATED, "update", response.getResults(r).getStatus(),
                response.getResults(r).hasEntry() ? response.getResults(r).getEntry() : asked,
                asked, changes.get(k))
            : missingResult("update", asked);
      }
    }
  }

  private static Outcome outcome(Action success, String operation, Status status, Entry result,
      Entry asked, List<String> changed) {
    if (status.getCode() != 0) {
      return new Outcome(Action.FAILED, asked, changed, operation, status);
    }
    return new Outcome(success, result, changed, null, null);
  }

  private static Outcome callFailed(String operation, Entry asked, StatusRuntimeException e) {
    Status status = Status.newBuilder().setCode(e.getStatus().getCode().value())
        .setMessage(GrpcErrors.describe(e)).build();
    return new Outcome(Action.FAILED, asked, List.of(), operation, status);
  }

  private static Outcome missingResult(String operation, Entry asked) {
    Status status = Status.newBuilder().setCode(Code.INTERNAL.value())
        .setMessage("the server returned no result for this entry").build();
    return new Outcome(Action.FAILED, asked, List.of(), operation, status);
  }

  /** The existing entry the desired one corresponds to, if any. */
  private Optional<Entry> find(Entry want) throws CliException {
    if (!want.getId().isEmpty()) {
      try {
        return Optional.of(entries.getEntry(GetEntryRequest.newBuilder().setId(want.getId()).build()));
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Code.NOT_FOUND) {
          return Optional.empty();
        }
        throw GrpcErrors.wrap("error fetching entry ID " + want.getId(), e);
      }
    }
    ListEntriesRequest.Filter filter = ListEntriesRequest.Filter.newBuilder()
        .setBySpiffeId(want.getSpiffeId())
        .setByParentId(want.getParentId())
        .setBySelectors(SelectorMatch.newBuilder()
            .addAllSelectors(want.getSelectorsList())
            .setMatch(SelectorMatch.MatchBehavior.MATCH_EXACT))
        .build();
    String key = EntryDiff.identityKey(want);
    String pageToken = "";
    do {
      ListEntriesResponse page;
      try {
        page = entries.listEntries(ListEntriesRequest.newBuilder()
            .setFilter(filter).setPageSize(PAGE_SIZE).setPageToken(pageToken).build());
      } catch (StatusRuntimeException e) {
        throw GrpcErrors.wrap("error fetching entries", e);
      }
      for (Entry candidate : page.getEntriesList()) {
        if (EntryDiff.identityKey(candidate).equals(key)) {
          return Optional.of(candidate);
        }
      }
      pageToken = page.getNextPageToken();
    } while (!pageToken.isEmpty());
    return Optional.empty();
  }

  private static void checkNoDuplicates(List<Entry> desired) throws CliException {
    Map<String, Integer> ids = new HashMap<>();
    Map<String, Integer> keys = new HashMap<>();
    for (int i = 0; i < desired.size(); i++) {
      Entry e = desired.get(i);
      if (!e.getId().isEmpty()) {
        Integer other = ids.putIfAbsent(e.getId(), i);
        if (other != null) {
          throw new CliException("entries " + (other + 1) + " and " + (i + 1)
              + " of the file have the same entry ID " + e.getId());
        }
      }
      Integer other = keys.putIfAbsent(EntryDiff.identityKey(e), i);
      if (other != null) {
        throw new CliException("entries " + (other + 1) + " and " + (i + 1)
            + " of the file have the same SPIFFE ID, parent ID and selectors");
      }
    }
  }

  private static Entry serverManagedFieldsCleared(Entry e) {
    return e.toBuilder().clearRevisionNumber().clearCreatedAt().build();
  }
}
