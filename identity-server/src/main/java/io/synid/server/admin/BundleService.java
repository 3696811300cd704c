package io.synid.server.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synid.api.spire.server.bundle.v1.AppendBundleRequest;
import io.synid.api.spire.server.bundle.v1.BatchCreateFederatedBundleRequest;
import io.synid.api.spire.server.bundle.v1.BatchCreateFederatedBundleResponse;
import io.synid.api.spire.server.bundle.v1.BatchDeleteFederatedBundleRequest;
import io.synid.api.spire.server.bundle.v1.BatchDeleteFederatedBundleResponse;
import io.synid.api.spire.server.bundle.v1.BatchSetFederatedBundleRequest;
import io.synid.api.spire.server.bundle.v1.BatchSetFederatedBundleResponse;
import io.synid.api.spire.server.bundle.v1.BatchUpdateFederatedBundleRequest;
import io.synid.api.spire.server.bundle.v1.BatchUpdateFederatedBundleResponse;
import io.synid.api.spire.server.bundle.v1.BundleGrpc;
import io.synid.api.spire.server.bundle.v1.CountBundlesRequest;
import io.synid.api.spire.server.bundle.v1.CountBundlesResponse;
import io.synid.api.spire.server.bundle.v1.GetBundleRequest;
import io.synid.api.spire.server.bundle.v1.GetFederatedBundleRequest;
import io.synid.api.spire.server.bundle.v1.ListFederatedBundlesRequest;
import io.synid.api.spire.server.bundle.v1.ListFederatedBundlesResponse;
import io.synid.api.spire.types.Bundle;
import io.synid.core.bundle.BundleJson;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.server.admin.ProtoBundles.InvalidBundleInputException;
import io.synid.server.ca.CaException;
import io.synid.server.ca.CertificateAuthority;
import io.synid.server.datastore.BundleStore;
import io.synid.server.datastore.EntryStore;
import io.synid.server.entry.EntryFilter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import io.synid.api.spire.types.BundleMask;

/**
 * {@code spire.api.server.bundle.v1.Bundle}: our own bundle (read, append) and federated bundles
 * (full CRUD). A federated bundle may not be stored under our own trust domain.
 */
public final class BundleService extends BundleGrpc.BundleImplBase {
  private final CertificateAuthority ca;
  private final BundleStore bundles;
  private final EntryStore entries;
  private final TrustDomain trustDomain;

  public BundleService(CertificateAuthority ca, BundleStore bundles, EntryStore entries,
      TrustDomain trustDomain) {
    this.ca = ca;
    this.bundles = bundles;
    this.entries = entries;
    this.trustDomain = trustDomain;
  }

  @Override
  public void getBundle(GetBundleRequest request, StreamObserver<Bundle> response) {
    try {
      response.onNext(ProtoBundles.toProto(ca.bundle(), request.getOutputMask(), request.hasOutputMask()));
      response.onCompleted();
    } catch (CaException e) {
      response.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  @Override
  public void appendBundle(AppendBundleRequest request, StreamObserver<Bundle> response) {
    try {
      ca.appendAuthorities(ProtoBundles.certificates(request.getX509AuthoritiesList()),
          ProtoBundles.jwtKeys(request.getJwtAuthoritiesList()));
      response.onNext(ProtoBundles.toProto(ca.bundle(), request.getOutputMask(), request.hasOutputMask()));
      response.onCompleted();
    } catch (InvalidBundleInputException e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    } catch (CaException e) {
      response.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  @Override
  public void countBundles(CountBundlesRequest request, StreamObserver<CountBundlesResponse> response) {
    response.onNext(CountBundlesResponse.newBuilder().setCount(bundles.all().size()).build());
    response.onCompleted();
  }

  @Override
  public void listFederatedBundles(ListFederatedBundlesRequest request,
      StreamObserver<ListFederatedBundlesResponse> response) {
    ListFederatedBundlesResponse.Builder out = ListFederatedBundlesResponse.newBuilder();
    for (Map.Entry<String, String> e : bundles.all().entrySet()) {
      if (e.getKey().equals(trustDomain.name())) {
        continue;
      }
      decode(e.getKey(), e.getValue())
          .ifPresent(b -> out.addBundles(ProtoBundles.toProto(b, request.getOutputMask(), request.hasOutputMask())));
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void getFederatedBundle(GetFederatedBundleRequest request, StreamObserver<Bundle> response) {
    TrustDomain td;
    try {
      td = TrustDomain.parse(request.getTrustDomain());
    } catch (Exception e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("trust domain argument is not valid: "
          + e.getMessage()).asRuntimeException());
      return;
    }
    if (td.equals(trustDomain)) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(
          "getting a federated bundle for the server's own trust domain is not allowed").asRuntimeException());
      return;
    }
    Optional<TrustBundle> bundle = bundles.get(td.name()).flatMap(j -> decode(td.name(), j));
    if (bundle.isEmpty()) {
      response.onError(Status.NOT_FOUND.withDescription("bundle not found").asRuntimeException());
      return;
    }
    response.onNext(ProtoBundles.toProto(bundle.get(), request.getOutputMask(), request.hasOutputMask()));
    response.onCompleted();
  }

  private enum WriteMode { CREATE, UPDATE, SET }

  private BundleWriteResult write(Bundle requested, WriteMode mode) {
    TrustBundle bundle;
    try {
      bundle = ProtoBundles.fromProto(requested);
    } catch (InvalidBundleInputException e) {
      return new BundleWriteResult(EntryService.status(Status.Code.INVALID_ARGUMENT,
          "failed to convert bundle: " + e.getMessage()), null);
    }
    if (bundle.trustDomain().equals(trustDomain)) {
      return new BundleWriteResult(EntryService.status(Status.Code.INVALID_ARGUMENT,
          "creating a federated bundle for the server's own trust domain is not allowed"), null);
    }
    boolean exists = bundles.get(bundle.trustDomain().name()).isPresent();
    if (mode == WriteMode.CREATE && exists) {
      return new BundleWriteResult(EntryService.status(Status.Code.ALREADY_EXISTS,
          "bundle already exists"), null);
    }
    if (mode == WriteMode.UPDATE && !exists) {
      return new BundleWriteResult(EntryService.status(Status.Code.NOT_FOUND, "bundle not found"), null);
    }
    bundles.put(bundle.trustDomain().name(), BundleJson.encode(bundle));
    return new BundleWriteResult(EntryService.status(Status.Code.OK, "OK"), bundle);
  }

  private record BundleWriteResult(io.synid.api.spire.types.Status status, TrustBundle bundle) {}

  /** Writes each bundle and hands its status (and, on success, the stored bundle) to {@code add}. */
  private void writeEach(List<Bundle> requested, WriteMode mode, BundleMask mask, boolean hasMask,
      BiConsumer<io.synid.api.spire.types.Status, Optional<Bundle>> add) {
    for (Bundle b : requested) {
      BundleWriteResult r = write(b, mode);
      add.accept(r.status(), Optional.ofNullable(r.bundle()).map(t -> ProtoBundles.toProto(t, mask, hasMask)));
    }
  }

  @Override
  public void batchCreateFederatedBundle(BatchCreateFederatedBundleRequest request,
      StreamObserver<BatchCreateFederatedBundleResponse> response) {
    BatchCreateFederatedBundleResponse.Builder out = BatchCreateFederatedBundleResponse.newBuilder();
    writeEach(request.getBundleList(), WriteMode.CREATE, request.getOutputMask(), request.hasOutputMask(),
        (status, bundle) -> bundle.ifPresentOrElse(b -> out.addResultsBuilder().setStatus(status).setBundle(b),
            () -> out.addResultsBuilder().setStatus(status)));
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void batchUpdateFederatedBundle(BatchUpdateFederatedBundleRequest request,
      StreamObserver<BatchUpdateFederatedBundleResponse> response) {
    BatchUpdateFederatedBundleResponse.Builder out = BatchUpdateFederatedBundleResponse.newBuilder();
    writeEach(request.getBundleList(), WriteMode.UPDATE, request.getOutputMask(), request.hasOutputMask(),
        (status, bundle) -> bundle.ifPresentOrElse(b -> out.addResultsBuilder().setStatus(status).setBundle(b),
            () -> out.addResultsBuilder().setStatus(status)));
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void batchSetFederatedBundle(BatchSetFederatedBundleRequest request,
      StreamObserver<BatchSetFederatedBundleResponse> response) {
    BatchSetFederatedBundleResponse.Builder out = BatchSetFederatedBundleResponse.newBuilder();
    writeEach(request.getBundleList(), WriteMode.SET, request.getOutputMask(), request.hasOutputMask(),
        (status, bundle) -> bundle.ifPresentOrElse(b -> out.addResultsBuilder().setStatus(status).setBundle(b),
            () -> out.addResultsBuilder().setStatus(status)));
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void batchDeleteFederatedBundle(BatchDeleteFederatedBundleRequest request,
      StreamObserver<BatchDeleteFederatedBundleResponse> response) {
    BatchDeleteFederatedBundleResponse.Builder out = BatchDeleteFederatedBundleResponse.newBuilder();
    for (String name : request.getTrustDomainsList()) {
      var item = out.addResultsBuilder().setTrustDomain(name);
      TrustDomain td;
      try {
        td = TrustDomain.parse(name);
      } catch (Exception e) {
        item.setStatus(EntryService.status(Status.Code.INVALID_ARGUMENT, "malformed trust domain: " + e.getMessage()));
        continue;
      }
      if (td.equals(trustDomain)) {
        item.setStatus(EntryService.status(Status.Code.INVALID_ARGUMENT,
            "removing the bundle for the server trust domain is not allowed"));
        continue;
      }
      long federating = entries.count(EntryFilter.ALL.withFederatesWith(List.of(td.name()), EntryFilter.Match.SUPERSET));
      if (request.getModeValue() == 0 && federating > 0) {
        item.setStatus(EntryService.status(Status.Code.FAILED_PRECONDITION,
            "cannot delete bundle; federated with " + federating + " registration entries"));
        continue;
      }
      // DELETE and DISSOCIATE modes would change entries; only RESTRICT semantics are safe
      // without them, so refuse rather than leave entries pointing at a missing bundle.
      if (request.getModeValue() != 0 && federating > 0) {
        item.setStatus(EntryService.status(Status.Code.UNIMPLEMENTED,
            "delete modes DELETE and DISSOCIATE are not supported yet for bundles in use"));
        continue;
      }
      item.setStatus(bundles.delete(td.name())
          ? EntryService.status(Status.Code.OK, "OK")
          : EntryService.status(Status.Code.NOT_FOUND, "bundle not found"));
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  private static Optional<TrustBundle> decode(String name, String json) {
    try {
      return Optional.of(BundleJson.decode(TrustDomain.parse(name), json));
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
