package io.synid.server.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synid.api.spire.server.svid.v1.MintJWTSVIDRequest;
import io.synid.api.spire.server.svid.v1.MintJWTSVIDResponse;
import io.synid.api.spire.server.svid.v1.MintX509SVIDRequest;
import io.synid.api.spire.server.svid.v1.MintX509SVIDResponse;
import io.synid.api.spire.server.svid.v1.SVIDGrpc;
import io.synid.api.spire.types.JWTSVID;
import io.synid.api.spire.types.X509SVID;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.Csr;
import io.synid.core.x509.InvalidCsrException;
import io.synid.server.ca.CaException;
import io.synid.server.ca.CertificateAuthority;
import io.synid.server.entry.InvalidEntryException;
import com.google.protobuf.ByteString;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * The administrators' half of {@code spire.api.server.svid.v1.SVID}: minting SVIDs for any
 * identity of the trust domain. The agent RPCs arrive with the agent API.
 */
public final class SvidService extends SVIDGrpc.SVIDImplBase {
  private final CertificateAuthority ca;
  private final TrustDomain trustDomain;
  private final Duration defaultX509Ttl;
  private final Duration defaultJwtTtl;

  public SvidService(CertificateAuthority ca, TrustDomain trustDomain, Duration defaultX509Ttl,
      Duration defaultJwtTtl) {
    this.ca = ca;
    this.trustDomain = trustDomain;
    this.defaultX509Ttl = defaultX509Ttl;
    this.defaultJwtTtl = defaultJwtTtl;
  }

  @Override
  public void mintX509SVID(MintX509SVIDRequest request,
      StreamObserver<MintX509SVIDResponse> response) {
    if (request.getTtl() < 0) {
      response.onError(invalid("ttl cannot be negative"));
      return;
    }
    Csr csr;
    try {
      csr = Csr.parse(request.getCsr().toByteArray());
    } catch (InvalidCsrException e) {
      response.onError(invalid("malformed CSR: " + e.getMessage()));
      return;
    }
    if (csr.uriSans().size() != 1) {
      response.onError(invalid("CSR must have exactly one URI SAN, found " + csr.uriSans().size()));
      return;
    }
    SpiffeId id;
    try {
      id = SpiffeId.parse(csr.uriSans().get(0));
    } catch (InvalidSpiffeIdException e) {
      response.onError(invalid("CSR URI SAN is not a valid SPIFFE ID: " + e.getMessage()));
      return;
    }
    if (!id.isMemberOf(trustDomain)) {
      response.onError(invalid("CSR URI SAN \"" + id + "\" is not a member of trust domain \""
          + trustDomain.name() + "\""));
      return;
    }
    for (String dns : csr.dnsSans()) {
      try {
        io.synid.server.entry.EntryValidator.validateDnsName(dns);
      } catch (InvalidEntryException e) {
        response.onError(invalid("CSR has an invalid DNS SAN: " + e.getMessage()));
        return;
      }
    }
    Duration ttl = request.getTtl() > 0 ? Duration.ofSeconds(request.getTtl()) : defaultX509Ttl;
    try {
      List<X509Certificate> chain = ca.signX509Svid(csr.publicKey(), id, csr.dnsSans(), ttl);
      X509SVID.Builder svid = X509SVID.newBuilder()
          .setId(ProtoEntries.toProto(id.toString()))
          .setExpiresAt(chain.get(0).getNotAfter().toInstant().getEpochSecond());
      for (X509Certificate c : chain) {
        svid.addCertChain(ByteString.copyFrom(c.getEncoded()));
      }
      response.onNext(MintX509SVIDResponse.newBuilder().setSvid(svid).build());
      response.onCompleted();
    } catch (CaException | CertificateEncodingException e) {
      response.onError(Status.INTERNAL.withDescription("failed to sign X509-SVID: " + e.getMessage())
          .asRuntimeException());
    }
  }

  @Override
  public void mintJWTSVID(MintJWTSVIDRequest request, StreamObserver<MintJWTSVIDResponse> response) {
    if (!request.hasId()) {
      response.onError(invalid("invalid SPIFFE ID: missing"));
      return;
    }
    SpiffeId id;
    try {
      id = SpiffeId.parse(ProtoEntries.spiffeId("SPIFFE ID", request.getId()));
    } catch (InvalidEntryException | InvalidSpiffeIdException e) {
      response.onError(invalid(e.getMessage()));
      return;
    }
    if (!id.isMemberOf(trustDomain)) {
      response.onError(invalid("invalid SPIFFE ID \"" + id + "\": not a member of trust domain \""
          + trustDomain.name() + "\""));
      return;
    }
    if (request.getAudienceCount() == 0) {
      response.onError(invalid("at least one audience is required"));
      return;
    }
    for (String aud : request.getAudienceList()) {
      if (aud.isEmpty()) {
        response.onError(invalid("audience cannot be empty"));
        return;
      }
    }
    if (request.getTtl() < 0) {
      response.onError(invalid("ttl cannot be negative"));
      return;
    }
    Duration ttl = request.getTtl() > 0 ? Duration.ofSeconds(request.getTtl()) : defaultJwtTtl;
    try {
      String token = ca.signJwtSvid(id, request.getAudienceList(), ttl);
      com.nimbusds.jwt.JWTClaimsSet claims = com.nimbusds.jwt.SignedJWT.parse(token).getJWTClaimsSet();
      response.onNext(MintJWTSVIDResponse.newBuilder().setSvid(JWTSVID.newBuilder()
          .setToken(token)
          .setId(ProtoEntries.toProto(id.toString()))
          .setExpiresAt(claims.getExpirationTime().toInstant().getEpochSecond())
          .setIssuedAt(claims.getIssueTime().toInstant().getEpochSecond())).build());
      response.onCompleted();
    } catch (CaException | java.text.ParseException e) {
      response.onError(Status.INTERNAL.withDescription("failed to sign JWT-SVID: " + e.getMessage())
          .asRuntimeException());
    }
  }

  private static RuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }
}
