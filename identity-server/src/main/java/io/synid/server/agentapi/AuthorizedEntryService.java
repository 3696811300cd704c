package io.synid.server.agentapi;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.server.entry.v1.EntryRevision;
import io.synid.api.spire.server.entry.v1.GetAuthorizedEntriesRequest;
import io.synid.api.spire.server.entry.v1.GetAuthorizedEntriesResponse;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesRequest;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesResponse;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.EntryMask;
import io.synid.server.admin.ProtoEntries;
import io.synid.server.entry.RegistrationEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The agents' half of {@code spire.api.server.entry.v1.Entry}: the entries the calling agent is
 * authorized for ({@link AuthorizedEntries}).
 *
 * <p>{@code SyncAuthorizedEntries} follows SPIRE's protocol: the first request carries the output
 * mask (which may not mask the revision number) and no IDs. If the agent is authorized for at
 * most one page of entries they are sent whole in one response; otherwise the server streams
 * pages of {@code (id, revision)} with {@code more} set on all but the last, then answers each
 * further request (a list of IDs whose full entries the agent wants) with pages of entries,
 * {@code more} set on all but the last. Unknown IDs are skipped. The agent ends the stream.
 */
final class AuthorizedEntryService extends EntryGrpc.EntryImplBase {
  static final int PAGE_SIZE = 500;

  private final AuthorizedEntries authorized;
  private final int pageSize;

  AuthorizedEntryService(AuthorizedEntries authorized, int pageSize) {
    this.authorized = authorized;
    this.pageSize = pageSize;
  }

  @Override
  public void getAuthorizedEntries(GetAuthorizedEntriesRequest request,
      StreamObserver<GetAuthorizedEntriesResponse> out) {
    GetAuthorizedEntriesResponse.Builder response = GetAuthorizedEntriesResponse.newBuilder();
    for (RegistrationEntry e : entriesOfCaller()) {
      response.addEntries(ProtoEntries.toProto(e, request.getOutputMask(), request.hasOutputMask()));
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  @Override
  public StreamObserver<SyncAuthorizedEntriesRequest> syncAuthorizedEntries(
      StreamObserver<SyncAuthorizedEntriesResponse> out) {
    List<RegistrationEntry> entries = entriesOfCaller();
    return new StreamObserver<>() {
      private Map<String, Entry> byId;
      private boolean closed;

      @Override
      public void onNext(SyncAuthorizedEntriesRequest request) {
        if (closed) {
          return;
        }
        if (byId == null) {
          first(request);
        } else {
          requested(request.getIdsList());
        }
      }

      private void first(SyncAuthorizedEntriesRequest request) {
        if (request.getIdsCount() > 0) {
          fail(Status.INVALID_ARGUMENT.withDescription(
              "specifying IDs on initial request is not supported"));
          return;
        }
        if (request.hasOutputMask() && !request.getOutputMask().getRevisionNumber()) {
          fail(Status.INVALID_ARGUMENT.withDescription("revision number cannot be masked"));
          return;
        }
        EntryMask mask = request.getOutputMask();
        byId = new HashMap<>();
        List<Entry> masked = new ArrayList<>(entries.size());
        for (RegistrationEntry e : entries) {
          Entry proto = ProtoEntries.toProto(e, mask, request.hasOutputMask());
          masked.add(proto);
          byId.put(e.id(), proto);
        }
        if (masked.size() <= pageSize) {
          out.onNext(SyncAuthorizedEntriesResponse.newBuilder().addAllEntries(masked).build());
          out.onCompleted();
          closed = true;
          return;
        }
        for (int from = 0; from < masked.size(); from += pageSize) {
          int to = Math.min(masked.size(), from + pageSize);
          SyncAuthorizedEntriesResponse.Builder page =
              SyncAuthorizedEntriesResponse.newBuilder().setMore(to < masked.size());
          for (Entry e : masked.subList(from, to)) {
            page.addEntryRevisions(EntryRevision.newBuilder().setId(e.getId())
                .setRevisionNumber(e.getRevisionNumber()).setCreatedAt(e.getCreatedAt()));
          }
          out.onNext(page.build());
        }
      }

      private void requested(List<String> ids) {
        String[] sorted = ids.toArray(String[]::new);
        Arrays.sort(sorted);
        SyncAuthorizedEntriesResponse.Builder page = SyncAuthorizedEntriesResponse.newBuilder();
        String previous = null;
        for (String id : sorted) {
          Entry entry = byId.get(id);
          if (entry == null || id.equals(previous)) {
            continue;
          }
          previous = id;
          if (page.getEntriesCount() == pageSize) {
            out.onNext(page.setMore(true).build());
            page = SyncAuthorizedEntriesResponse.newBuilder();
          }
          page.addEntries(entry);
        }
        out.onNext(page.setMore(false).build());
      }

      private void fail(Status status) {
        closed = true;
        out.onError(status.asRuntimeException());
      }

      @Override
      public void onError(Throwable t) {
        closed = true;
      }

      @Override
      public void onCompleted() {
        if (!closed) {
          closed = true;
          out.onCompleted();
        }
      }
    };
  }

  private List<RegistrationEntry> entriesOfCaller() {
    AgentCaller caller = AgentCaller.current();
    return authorized.forAgent(caller.id().toString(), caller.node().selectors());
  }
}
