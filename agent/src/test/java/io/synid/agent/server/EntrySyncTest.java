package io.synid.agent.server;

import static io.synid.agent.TestPki.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.synid.api.spire.server.entry.v1.EntryRevision;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesRequest;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesResponse;
import io.synid.api.spire.types.Entry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The agent's half of {@code SyncAuthorizedEntries}, driven by a fake server that answers as
 * SPIRE's and Synid's servers do: up to 500 entries whole in one response; more as revision pages,
 * then the entries the agent asks for by ID, in pages.
 */
class EntrySyncTest {
  private static final int SERVER_PAGE = 500;

  /** The server's half. Responses are queued and delivered by {@link #run}, never re-entrantly. */
  private static final class FakeServer implements StreamObserver<SyncAuthorizedEntriesRequest> {
    final Map<String, Entry> entries = new TreeMap<>();
    final List<SyncAuthorizedEntriesRequest> requests = new ArrayList<>();
    final Deque<Runnable> toClient = new ArrayDeque<>();
    /** Pages of entries sent in answer to one request by ID. */
    int entryPageSize = SERVER_PAGE;
    /** Entries the server leaves out of its answers to requests by ID. */
    final Set<String> withhold = new HashSet<>();
    /** Responses after which the server ends the stream (OK), or -1. */
    int endAfterResponses = -1;
    private int responses;
    boolean clientHalfClosed;
    Throwable clientError;
    ServerClient.EntrySync client;

    FakeServer(Map<String, Entry> entries) {
      this.entries.putAll(entries);
    }

    @Override
    public void onNext(SyncAuthorizedEntriesRequest request) {
      requests.add(request);
      if (requests.size() == 1) {
        if (entries.size() <= SERVER_PAGE) {
          send(SyncAuthorizedEntriesResponse.newBuilder().addAllEntries(entries.values()).build());
          complete();
          return;
        }
        List<Entry> all = new ArrayList<>(entries.values());
        for (int from = 0; from < all.size(); from += SERVER_PAGE) {
          int to = Math.min(all.size(), from + SERVER_PAGE);
          SyncAuthorizedEntriesResponse.Builder page = SyncAuthorizedEntriesResponse.newBuilder()
              .setMore(to < all.size());
          for (Entry e : all.subList(from, to)) {
            page.addEntryRevisions(EntryRevision.newBuilder().setId(e.getId())
                .setRevisionNumber(e.getRevisionNumber()));
          }
          send(page.build());
        }
        return;
      }
      List<Entry> found = request.getIdsList().stream().filter(entries::containsKey)
          .filter(id -> !withhold.contains(id)).map(entries::get).toList();
      int from = 0;
      do {
        int to = Math.min(found.size(), from + entryPageSize);
        send(SyncAuthorizedEntriesResponse.newBuilder().addAllEntries(found.subList(from, to))
            .setMore(to < found.size()).build());
        from = to;
      } while (from < found.size());
    }

    void send(SyncAuthorizedEntriesResponse response) {
      if (endAfterResponses >= 0 && responses >= endAfterResponses) {
        return;
      }
      responses++;
      toClient.add(() -> client.onNext(response));
      if (responses == endAfterResponses) {
        complete();
      }
    }

    void complete() {
      toClient.add(() -> client.onCompleted());
    }

    @Override
    public void onError(Throwable t) {
      clientError = t;
    }

    @Override
    public void onCompleted() {
      clientHalfClosed = true;
    }

    /** Runs the conversation as {@link ServerClient#syncEntries} starts it. */
    ServerClient.EntrySync run(Map<String, Entry> cached) {
      client = new ServerClient.EntrySync(cached);
      client.requests = this;
      client.requests.onNext(SyncAuthorizedEntriesRequest.getDefaultInstance());
      while (!toClient.isEmpty()) {
        toClient.poll().run();
      }
      return client;
    }

    /** The IDs of each request after the first, in order. */
    List<List<String>> idRequests() {
      return requests.subList(1, requests.size()).stream()
          .<List<String>>map(r -> List.copyOf(r.getIdsList())).toList();
    }
  }

  private static Map<String, Entry> entries(int count, long revision) {
    Map<String, Entry> out = new LinkedHashMap<>();
    IntStream.range(0, count).forEach(i -> {
      String id = String.format("entry-%05d", i);
      out.put(id, entry(id, "spiffe://example.org/w/" + i, revision, "unix:uid:" + i));
    });
    return out;
  }

  private static Entry revised(Entry entry) {
    return entry.toBuilder().setRevisionNumber(entry.getRevisionNumber() + 1).setHint("changed").build();
  }

  private static Map<String, Entry> result(ServerClient.EntrySync sync) {
    assertThat(sync.result).isDone();
    return sync.result.join();
  }

  private static Status failure(ServerClient.EntrySync sync) {
    assertThat(sync.result).isCompletedExceptionally();
    Throwable t = assertThatThrownBy(sync.result::join).isInstanceOf(CompletionException.class)
        .actual().getCause();
    assertThat(t).isInstanceOf(StatusRuntimeException.class);
    return Status.fromThrowable(t);
  }

  @Test
  void aSmallSetArrivesWholeInOneResponse() {
    Map<String, Entry> onServer = entries(3, 1);
    FakeServer server = new FakeServer(onServer);

    ServerClient.EntrySync sync = server.run(Map.of());

    assertThat(result(sync)).isEqualTo(onServer);
    assertThat(server.requests).containsExactly(SyncAuthorizedEntriesRequest.getDefaultInstance());
    assertThat(server.clientHalfClosed).isTrue();
  }

  @Test
  void aWholeSetReplacesTheCacheEntirely() {
    Map<String, Entry> cached = entries(5, 1);
    Map<String, Entry> onServer = new LinkedHashMap<>(cached);
    onServer.remove("entry-00000");
    onServer.put("entry-00001", revised(cached.get("entry-00001")));
    Entry added = entry("new", "spiffe://example.org/new", 1, "unix:uid:7");
    onServer.put("new", added);

    Map<String, Entry> synced = result(new FakeServer(onServer).run(cached));

    assertThat(synced).isEqualTo(onServer).doesNotContainKey("entry-00000");
  }

  @Test
  void anEmptySetIsAnEmptyResult() {
    FakeServer server = new FakeServer(Map.of());

    assertThat(result(server.run(entries(3, 1)))).isEmpty();
    assertThat(server.clientHalfClosed).isTrue();
  }

  @Test
  void exactlyFiveHundredEntriesStillArriveWhole() {
    Map<String, Entry> onServer = entries(500, 1);
    FakeServer server = new FakeServer(onServer);

    assertThat(result(server.run(Map.of()))).isEqualTo(onServer);
    assertThat(server.requests).hasSize(1);
  }

  @Test
  void aLargeSetArrivesAsRevisionsAndIsFetchedByIdInChunksOfAtMost500() {
    Map<String, Entry> onServer = entries(1234, 3);
    FakeServer server = new FakeServer(onServer);
    server.entryPageSize = 200; // answers to one request span several pages

    ServerClient.EntrySync sync = server.run(Map.of());

    assertThat(result(sync)).isEqualTo(onServer);
    List<List<String>> idRequests = server.idRequests();
    assertThat(idRequests).extracting(List::size).containsExactly(500, 500, 234);
    List<String> requested = idRequests.stream().flatMap(List::stream).toList();
    assertThat(requested).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(onServer.keySet());
    assertThat(server.clientHalfClosed).isTrue();
    assertThat(server.clientError).isNull();
  }

  @Test
  void onlyNewAndChangedEntriesAreRequestedUnchangedOnesComeFromTheCacheAndRemovedOnesAreDropped() {
    Map<String, Entry> cached = entries(1200, 1);
    Map<String, Entry> onServer = new LinkedHashMap<>(cached);
    Set<String> changed = new HashSet<>();
    for (int i = 0; i < 1200; i += 40) { // 30 changed
      String id = String.format("entry-%05d", i);
      onServer.put(id, revised(cached.get(id)));
      changed.add(id);
    }
    Set<String> removed = new HashSet<>();
    for (int i = 1; i < 1200; i += 60) { // 20 removed
      String id = String.format("entry-%05d", i);
      onServer.remove(id);
      removed.add(id);
    }
    Set<String> added = new HashSet<>();
    for (int i = 0; i < 7; i++) {
      Entry e = entry("added-" + i, "spiffe://example.org/added/" + i, 1, "unix:uid:" + i);
      onServer.put(e.getId(), e);
      added.add(e.getId());
    }
    FakeServer server = new FakeServer(onServer);

    Map<String, Entry> synced = result(server.run(cached));

    assertThat(synced).isEqualTo(onServer);
    assertThat(synced.keySet()).doesNotContainAnyElementsOf(removed);
    Set<String> expectedRequested = new HashSet<>(changed);
    expectedRequested.addAll(added);
    assertThat(server.idRequests()).hasSize(1);
    assertThat(server.idRequests().get(0)).containsExactlyInAnyOrderElementsOf(expectedRequested);
    for (Map.Entry<String, Entry> e : synced.entrySet()) {
      if (!changed.contains(e.getKey()) && !added.contains(e.getKey())) {
        assertThat(e.getValue()).as("unchanged %s is the cached object", e.getKey())
            .isSameAs(cached.get(e.getKey()));
      }
    }
  }

  @Test
  void whenNothingChangedNothingIsRequestedById() {
    Map<String, Entry> cached = entries(800, 4);
    FakeServer server = new FakeServer(cached);

    Map<String, Entry> synced = result(server.run(cached));

    assertThat(synced).isEqualTo(cached);
    assertThat(server.requests).hasSize(1);
    assertThat(server.clientHalfClosed).isTrue();
  }

  @Test
  void aChangedEntryTheServerDoesNotSendIsNotServedFromTheStaleCache() {
    Map<String, Entry> cached = entries(600, 1);
    Map<String, Entry> onServer = new LinkedHashMap<>(cached);
    onServer.put("entry-00010", revised(cached.get("entry-00010")));
    onServer.put("entry-00020", revised(cached.get("entry-00020")));
    FakeServer server = new FakeServer(onServer);
    server.withhold.add("entry-00010");

    Map<String, Entry> synced = result(server.run(cached));

    assertThat(synced).doesNotContainKey("entry-00010").hasSize(599);
    assertThat(synced.get("entry-00020")).isEqualTo(onServer.get("entry-00020"));
  }

  @Test
  void theServerEndingAfterTheRevisionsIsAnError() {
    FakeServer server = new FakeServer(entries(700, 1));
    server.endAfterResponses = 2; // both revision pages, then the end instead of entries

    Status status = failure(server.run(Map.of()));

    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getDescription()).isEqualTo("the server ended the entry sync early");
  }

  @Test
  void theServerEndingBetweenPagesOfRevisionsIsAnError() {
    FakeServer server = new FakeServer(entries(1700, 1));
    server.endAfterResponses = 1;

    Status status = failure(server.run(Map.of()));

    assertThat(status.getDescription()).isEqualTo("the server ended the entry sync early");
    assertThat(server.requests).hasSize(1);
  }

  @Test
  void theServerEndingInTheMiddleOfAnAnswerByIdIsAnError() {
    FakeServer server = new FakeServer(entries(1100, 1));
    server.entryPageSize = 100;
    server.endAfterResponses = 3 + 2; // revisions, then two pages of the first answer

    Status status = failure(server.run(Map.of()));

    assertThat(status.getDescription()).isEqualTo("the server ended the entry sync early");
  }

  @Test
  void theServerEndingWithoutAnyResponseIsAnErrorNotAnEmptySet() {
    FakeServer server = new FakeServer(entries(3, 1));
    server.endAfterResponses = 0;

    Status status = failure(server.run(entries(3, 1)));

    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getDescription()).isEqualTo("the server ended the entry sync early");
  }

  @Test
  void theServerEndingAfterAPageMarkedMoreIsAnErrorNotAPartialSet() {
    ServerClient.EntrySync sync = new ServerClient.EntrySync(Map.of());
    FakeServer server = new FakeServer(Map.of());
    sync.requests = server;
    Entry only = entry("e1", "spiffe://example.org/one", 1, "unix:uid:1");

    sync.onNext(SyncAuthorizedEntriesResponse.newBuilder().addEntries(only).setMore(true).build());
    assertThat(sync.result).isNotDone();
    sync.onCompleted();

    assertThat(failure(sync).getDescription()).isEqualTo("the server ended the entry sync early");
  }

  @Test
  void aServerErrorFailsTheSync() {
    ServerClient.EntrySync sync = new ServerClient.EntrySync(Map.of());
    sync.requests = new FakeServer(Map.of());

    sync.onError(Status.PERMISSION_DENIED.withDescription("agent is banned").asRuntimeException());

    Status status = failure(sync);
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).isEqualTo("agent is banned");
  }

  @Test
  void theCachePassedInIsNotModified() {
    Map<String, Entry> cached = new HashMap<>(entries(700, 1));
    Map<String, Entry> snapshot = Map.copyOf(cached);
    Map<String, Entry> onServer = new LinkedHashMap<>(entries(650, 2));

    Map<String, Entry> synced = result(new FakeServer(onServer).run(cached));

    assertThat(synced).isEqualTo(onServer);
    assertThat(cached).isEqualTo(snapshot);
  }
}
