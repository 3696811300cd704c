package io.synid.server.agentapi;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synid.api.spire.server.bundle.v1.BundleGrpc;
import io.synid.api.spire.server.bundle.v1.GetBundleRequest;
import io.synid.api.spire.server.bundle.v1.GetFederatedBundleRequest;
import io.synid.api.spire.types.Bundle;
import io.synid.core.bundle.BundleJson;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.server.admin.ProtoBundles;
import io.synid.server.ca.CaException;
import io.synid.server.ca.CertificateAuthority;
import io.synid.server.datastore.BundleStore;
import java.util.Optional;

/**
 * The agents' half of {@code spire.api.server.bundle.v1.Bundle}: our trust domain's bundle
 * (no client certificate needed: it is public) and federated bundles (agents only).
 */
final class AgentBundleService extends BundleGrpc.BundleImplBase {
  private final CertificateAuthority ca;
  private final BundleStore bundles;
  private final TrustDomain trustDomain;

  AgentBundleService(CertificateAuthority ca, BundleStore bundles, TrustDomain trustDomain) {
    this.ca = ca;
    this.bundles = bundles;
    this.trustDomain = trustDomain;
  }

  @Override
  public void getBundle(GetBundleRequest request, StreamObserver<Bundle> out) {
    try {
      out.onNext(ProtoBundles.toProto(ca.bundle(), request.getOutputMask(), request.hasOutputMask()));
      out.onCompleted();
    } catch (CaException e) {
      out.onError(Status.INTERNAL.withDescription("failed to fetch bundle: " + e.getMessage())
          .asRuntimeException());
    }
  }

  @Override
  public void getFederatedBundle(GetFederatedBundleRequest request, StreamObserver<Bundle> out) {
    TrustDomain td;
    try {
      td = TrustDomain.parse(request.getTrustDomain());
    } catch (Exception e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("trust domain argument is not valid: "
          + e.getMessage()).asRuntimeException());
      return;
    }
    if (td.equals(trustDomain)) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(
          "getting a federated bundle for the server's own trust domain is not allowed")
          .asRuntimeException());
      return;
    }
    Optional<TrustBundle> bundle = bundles.get(td.name()).flatMap(json -> {
      try {
        return Optional.of(BundleJson.decode(td, json));
      } catch (Exception e) {
        return Optional.empty();
      }
    });
    if (bundle.isEmpty()) {
      out.onError(Status.NOT_FOUND.withDescription("bundle not found").asRuntimeException());
      return;
    }
    out.onNext(ProtoBundles.toProto(bundle.get(), request.getOutputMask(), request.hasOutputMask()));
    out.onCompleted();
  }
}
