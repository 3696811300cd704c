package io.synid.server.agentapi;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synid.api.spire.server.svid.v1.BatchNewX509SVIDRequest;
import io.synid.api.spire.server.svid.v1.BatchNewX509SVIDResponse;
import io.synid.api.spire.server.svid.v1.NewJWTSVIDRequest;
import io.synid.api.spire.server.svid.v1.NewJWTSVIDResponse;
import io.synid.api.spire.server.svid.v1.NewX509SVIDParams;
import io.synid.api.spire.server.svid.v1.SVIDGrpc;
import io.synid.api.spire.types.JWTSVID;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.x509.Csr;
import io.synid.core.x509.InvalidCsrException;
import io.synid.server.admin.ProtoEntries;
import io.synid.server.ca.CaException;
import io.synid.server.ca.CertificateAuthority;
import io.synid.server.entry.RegistrationEntry;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The agents' half of {@code spire.api.server.svid.v1.SVID}: SVIDs for the registration entries
 * the calling agent is authorized for, with the entry's SPIFFE ID, DNS names and TTL (or the
 * server default) over the key of the agent's CSR. {@code BatchNewX509SVID} answers OK with one
 * status per item.
 */
final class AgentSvidService extends SVIDGrpc.SVIDImplBase {
  private final AuthorizedEntries authorized;
  private final CertificateAuthority ca;
  private final Duration defaultX509Ttl;
  private final Duration defaultJwtTtl;

  AgentSvidService(AuthorizedEntries authorized, CertificateAuthority ca, Duration defaultX509Ttl,
      Duration defaultJwtTtl) {
    this.authorized = authorized;
    this.ca = ca;
    this.defaultX509Ttl = defaultX509Ttl;
    this.defaultJwtTtl = defaultJwtTtl;
  }

  @Override
  public void batchNewX509SVID(BatchNewX509SVIDRequest request,
      StreamObserver<BatchNewX509SVIDResponse> out) {
    Map<String, RegistrationEntry> entries = entriesOfCaller();
    Set<String> seen = new HashSet<>();
    BatchNewX509SVIDResponse.Builder response = BatchNewX509SVIDResponse.newBuilder();
    for (NewX509SVIDParams params : request.getParamsList()) {
      BatchNewX509SVIDResponse.Result.Builder result = response.addResultsBuilder();
      String entryId = params.getEntryId();
      if (entryId.isEmpty()) {
        result.setStatus(status(Status.Code.INVALID_ARGUMENT, "missing entry ID"));
        continue;
      }
      if (!seen.add(entryId)) {
        result.setStatus(status(Status.Code.INVALID_ARGUMENT, "entry ID specified more than once"));
        continue;
      }
      RegistrationEntry entry = entries.get(entryId);
      if (entry == null) {
        result.setStatus(status(Status.Code.NOT_FOUND, "entry not found or not authorized"));
        continue;
      }
      if (params.getCsr().isEmpty()) {
        result.setStatus(status(Status.Code.INVALID_ARGUMENT, "missing CSR"));
        continue;
      }
      Csr csr;
      try {
        csr = Csr.parse(params.getCsr().toByteArray());
      } catch (InvalidCsrException e) {
        result.setStatus(status(Status.Code.INVALID_ARGUMENT, "malformed CSR: " + e.getMessage()));
        continue;
      }
      try {
        SpiffeId id = SpiffeId.parse(entry.spiffeId());
        Duration ttl = entry.x509SvidTtl() > 0
            ? Duration.ofSeconds(entry.x509SvidTtl()) : defaultX509Ttl;
        List<X509Certificate> chain = ca.signX509Svid(csr.publicKey(), id, entry.dnsNames(), ttl);
        result.setSvid(AttestationService.toProto(id, chain))
            .setStatus(status(Status.Code.OK, "OK"));
      } catch (CaException | InvalidSpiffeIdException e) {
        result.setStatus(status(Status.Code.INTERNAL, "failed to sign X509-SVID: " + e.getMessage()));
      }
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  @Override
  public void newJWTSVID(NewJWTSVIDRequest request, StreamObserver<NewJWTSVIDResponse> out) {
    if (request.getEntryId().isEmpty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("missing entry ID").asRuntimeException());
      return;
    }
    if (request.getAudienceCount() == 0 || request.getAudienceList().contains("")) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("at least one non-empty audience is required")
          .asRuntimeException());
      return;
    }
    RegistrationEntry entry = entriesOfCaller().get(request.getEntryId());
    if (entry == null) {
      out.onError(Status.NOT_FOUND.withDescription("entry not found or not authorized")
          .asRuntimeException());
      return;
    }
    try {
      SpiffeId id = SpiffeId.parse(entry.spiffeId());
      Duration ttl = entry.jwtSvidTtl() > 0 ? Duration.ofSeconds(entry.jwtSvidTtl()) : defaultJwtTtl;
      String token = ca.signJwtSvid(id, request.getAudienceList(), ttl);
      JWTClaimsSet claims = SignedJWT.parse(token).getJWTClaimsSet();
      out.onNext(NewJWTSVIDResponse.newBuilder().setSvid(JWTSVID.newBuilder()
          .setToken(token)
          .setId(ProtoEntries.toProto(id.toString()))
          .setExpiresAt(claims.getExpirationTime().toInstant().getEpochSecond())
          .setIssuedAt(claims.getIssueTime().toInstant().getEpochSecond())
          .setHint(entry.hint())).build());
      out.onCompleted();
    } catch (CaException | InvalidSpiffeIdException | ParseException e) {
      out.onError(Status.INTERNAL.withDescription("failed to sign JWT-SVID: " + e.getMessage())
          .asRuntimeException());
    }
  }

  private Map<String, RegistrationEntry> entriesOfCaller() {
    AgentCaller caller = AgentCaller.current();
    Map<String, RegistrationEntry> byId = new HashMap<>();
    for (RegistrationEntry e : authorized.forAgent(caller.id().toString(), caller.node().selectors())) {
      byId.put(e.id(), e);
    }
    return byId;
  }

  private static io.synid.api.spire.types.Status status(Status.Code code, String message) {
    return io.synid.api.spire.types.Status.newBuilder().setCode(code.value()).setMessage(message)
        .build();
  }
}
