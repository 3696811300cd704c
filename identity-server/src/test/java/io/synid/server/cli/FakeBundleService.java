package io.synid.server.cli;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synid.api.spire.server.bundle.v1.BatchDeleteFederatedBundleRequest;
import io.synid.api.spire.server.bundle.v1.BatchDeleteFederatedBundleResponse;
import io.synid.api.spire.server.bundle.v1.BatchSetFederatedBundleRequest;
import io.synid.api.spire.server.bundle.v1.BatchSetFederatedBundleResponse;
import io.synid.api.spire.server.bundle.v1.BundleGrpc;
import io.synid.api.spire.server.bundle.v1.CountBundlesRequest;
import io.synid.api.spire.server.bundle.v1.CountBundlesResponse;
import io.synid.api.spire.server.bundle.v1.GetBundleRequest;
import io.synid.api.spire.server.bundle.v1.GetFederatedBundleRequest;
import io.synid.api.spire.server.bundle.v1.ListFederatedBundlesRequest;
import io.synid.api.spire.server.bundle.v1.ListFederatedBundlesResponse;
import io.synid.api.spire.types.Bundle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** An in-memory Bundle service: the server's own bundle and federated bundles by name. */
public final class FakeBundleService extends BundleGrpc.BundleImplBase {
  public final List<Message> requests = new ArrayList<>();
  public final Map<String, Bundle> federated = new TreeMap<>();
  public Bundle own = Bundle.newBuilder().setTrustDomain("example.org").build();
  /** Page size of ListFederatedBundles (0: everything in one page). */
  public int pageSize;
  private Status failure;

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

  private static String name(String td) {
    return td.startsWith("spiffe://") ? td.substring("spiffe://".length()) : td;
  }

  @Override
  public void getBundle(GetBundleRequest request, StreamObserver<Bundle> response) {
    if (failed(request, response)) {
      return;
    }
    response.onNext(own);
    response.onCompleted();
  }

  @Override
  public void countBundles(CountBundlesRequest request, StreamObserver<CountBundlesResponse> response) {
    if (failed(request, response)) {
      return;
    }
    response.onNext(CountBundlesResponse.newBuilder().setCount(federated.size() + 1).build());
    response.onCompleted();
  }

  @Override
  public void listFederatedBundles(ListFederatedBundlesRequest request,
      StreamObserver<ListFederatedBundlesResponse> response) {
    if (failed(request, response)) {
      return;
    }
    List<Bundle> all = new ArrayList<>(federated.values());
    int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
    int to = pageSize == 0 ? all.size() : Math.min(all.size(), from + pageSize);
    ListFederatedBundlesResponse.Builder page =
        ListFederatedBundlesResponse.newBuilder().addAllBundles(all.subList(from, to));
    if (to < all.size()) {
      page.setNextPageToken(Integer.toString(to));
    }
    response.onNext(page.build());
    response.onCompleted();
  }

  @Override
  public void getFederatedBundle(GetFederatedBundleRequest request, StreamObserver<Bundle> response) {
    if (failed(request, response)) {
      return;
    }
    Bundle bundle = federated.get(name(request.getTrustDomain()));
    if (bundle == null) {
      response.onError(Status.NOT_FOUND.withDescription("bundle not found").asRuntimeException());
      return;
    }
    response.onNext(bundle);
    response.onCompleted();
  }

  @Override
  public void batchSetFederatedBundle(BatchSetFederatedBundleRequest request,
      StreamObserver<BatchSetFederatedBundleResponse> response) {
    if (failed(request, response)) {
      return;
    }
    BatchSetFederatedBundleResponse.Builder out = BatchSetFederatedBundleResponse.newBuilder();
    for (Bundle b : request.getBundleList()) {
      String td = name(b.getTrustDomain());
      if (td.equals(own.getTrustDomain())) {
        out.addResultsBuilder().setStatus(FakeEntryService.status(Status.Code.INVALID_ARGUMENT,
            "failed to set bundle: bundle trust domain cannot be the server trust domain"));
        continue;
      }
      Bundle stored = b.toBuilder().setTrustDomain(td).build();
      federated.put(td, stored);
      out.addResultsBuilder().setStatus(FakeEntryService.status(Status.Code.OK, "OK")).setBundle(stored);
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void batchDeleteFederatedBundle(BatchDeleteFederatedBundleRequest request,
      StreamObserver<BatchDeleteFederatedBundleResponse> response) {
    if (failed(request, response)) {
      return;
    }
    BatchDeleteFederatedBundleResponse.Builder out = BatchDeleteFederatedBundleResponse.newBuilder();
    for (String td : request.getTrustDomainsList()) {
      boolean removed = federated.remove(name(td)) != null;
      out.addResultsBuilder().setTrustDomain(name(td)).setStatus(removed
          ? FakeEntryService.status(Status.Code.OK, "OK")
          : FakeEntryService.status(Status.Code.NOT_FOUND, "no such bundle"));
    }
    response.onNext(out.build());
    response.onCompleted();
  }
}
