package io.synid.server.cli;

import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synid.api.spire.server.trustdomain.v1.BatchCreateFederationRelationshipRequest;
import io.synid.api.spire.server.trustdomain.v1.BatchCreateFederationRelationshipResponse;
import io.synid.api.spire.server.trustdomain.v1.BatchDeleteFederationRelationshipRequest;
import io.synid.api.spire.server.trustdomain.v1.BatchDeleteFederationRelationshipResponse;
import io.synid.api.spire.server.trustdomain.v1.BatchUpdateFederationRelationshipRequest;
import io.synid.api.spire.server.trustdomain.v1.BatchUpdateFederationRelationshipResponse;
import io.synid.api.spire.server.trustdomain.v1.GetFederationRelationshipRequest;
import io.synid.api.spire.server.trustdomain.v1.ListFederationRelationshipsRequest;
import io.synid.api.spire.server.trustdomain.v1.ListFederationRelationshipsResponse;
import io.synid.api.spire.server.trustdomain.v1.RefreshBundleRequest;
import io.synid.api.spire.server.trustdomain.v1.TrustDomainGrpc;
import io.synid.api.spire.types.FederationRelationship;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** An in-memory TrustDomain service: federation relationships by trust domain name. */
public final class FakeTrustDomainService extends TrustDomainGrpc.TrustDomainImplBase {
  public final List<Message> requests = new ArrayList<>();
  public final Map<String, FederationRelationship> relationships = new TreeMap<>();

  @SuppressWarnings("unchecked")
  public <T extends Message> List<T> requests(Class<T> type) {
    return requests.stream().filter(type::isInstance).map(r -> (T) r).toList();
  }

  @Override
  public void listFederationRelationships(ListFederationRelationshipsRequest request,
      StreamObserver<ListFederationRelationshipsResponse> response) {
    requests.add(request);
    response.onNext(ListFederationRelationshipsResponse.newBuilder()
        .addAllFederationRelationships(relationships.values()).build());
    response.onCompleted();
  }

  @Override
  public void getFederationRelationship(GetFederationRelationshipRequest request,
      StreamObserver<FederationRelationship> response) {
    requests.add(request);
    FederationRelationship fr = relationships.get(request.getTrustDomain());
    if (fr == null) {
      response.onError(Status.NOT_FOUND.withDescription("federation relationship does not exist").asRuntimeException());
      return;
    }
    response.onNext(fr);
    response.onCompleted();
  }

  @Override
  public void batchCreateFederationRelationship(BatchCreateFederationRelationshipRequest request,
      StreamObserver<BatchCreateFederationRelationshipResponse> response) {
    requests.add(request);
    BatchCreateFederationRelationshipResponse.Builder out = BatchCreateFederationRelationshipResponse.newBuilder();
    for (FederationRelationship fr : request.getFederationRelationshipsList()) {
      if (fr.getTrustDomain().equals("example.org")) {
        out.addResultsBuilder().setStatus(FakeEntryService.status(Status.Code.INVALID_ARGUMENT,
            "unable to create federation relationship for server trust domain"));
        continue;
      }
      relationships.put(fr.getTrustDomain(), fr);
      out.addResultsBuilder().setStatus(FakeEntryService.status(Status.Code.OK, "OK")).setFederationRelationship(fr);
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void batchUpdateFederationRelationship(BatchUpdateFederationRelationshipRequest request,
      StreamObserver<BatchUpdateFederationRelationshipResponse> response) {
    requests.add(request);
    BatchUpdateFederationRelationshipResponse.Builder out = BatchUpdateFederationRelationshipResponse.newBuilder();
    for (FederationRelationship fr : request.getFederationRelationshipsList()) {
      if (!relationships.containsKey(fr.getTrustDomain())) {
        out.addResultsBuilder().setStatus(FakeEntryService.status(Status.Code.NOT_FOUND,
            "unable to update federation relationship: not found"));
        continue;
      }
      relationships.put(fr.getTrustDomain(), fr);
      out.addResultsBuilder().setStatus(FakeEntryService.status(Status.Code.OK, "OK")).setFederationRelationship(fr);
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void batchDeleteFederationRelationship(BatchDeleteFederationRelationshipRequest request,
      StreamObserver<BatchDeleteFederationRelationshipResponse> response) {
    requests.add(request);
    BatchDeleteFederationRelationshipResponse.Builder out = BatchDeleteFederationRelationshipResponse.newBuilder();
    for (String td : request.getTrustDomainsList()) {
      boolean removed = relationships.remove(td) != null;
      out.addResultsBuilder().setTrustDomain(td).setStatus(removed
          ? FakeEntryService.status(Status.Code.OK, "OK")
          : FakeEntryService.status(Status.Code.NOT_FOUND, "federation relationship not found"));
    }
    response.onNext(out.build());
    response.onCompleted();
  }

  @Override
  public void refreshBundle(RefreshBundleRequest request, StreamObserver<Empty> response) {
    requests.add(request);
    if (!relationships.containsKey(request.getTrustDomain())) {
      response.onError(Status.NOT_FOUND.withDescription("no relationship").asRuntimeException());
      return;
    }
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }
}
