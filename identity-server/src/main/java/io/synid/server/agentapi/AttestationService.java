package io.synid.server.agentapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.AttestAgentRequest;
import io.synid.api.spire.server.agent.v1.AttestAgentResponse;
import io.synid.api.spire.server.agent.v1.PostStatusRequest;
import io.synid.api.spire.server.agent.v1.PostStatusResponse;
import io.synid.api.spire.server.agent.v1.RenewAgentRequest;
import io.synid.api.spire.server.agent.v1.RenewAgentResponse;
import io.synid.api.spire.types.X509SVID;
import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.x509.Csr;
import io.synid.core.x509.InvalidCsrException;
import io.synid.nodeattestor.AttestationException;
import io.synid.nodeattestor.AttestationResult;
import io.synid.nodeattestor.AttestationStep;
import io.synid.nodeattestor.NodeAttestor;
import io.synid.server.admin.ProtoEntries;
import io.synid.api.audit.AuditLog;
import io.synid.server.ca.CaException;
import io.synid.server.ca.CertificateAuthority;
import io.synid.server.datastore.AttestedNode;
import io.synid.server.datastore.NodeStore;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agents' half of {@code spire.api.server.agent.v1.Agent}: {@code AttestAgent} (a bidi
 * conversation driven by the {@link NodeAttestor} named in the request), {@code RenewAgent} and
 * {@code PostStatus}. The administrators' RPCs are not served here.
 *
 * <p>Every attestation is audited ({@code event: attestation}) with its outcome and, on failure,
 * the reason; every renewal likewise ({@code event: agent_renewal}).
 */
final class AttestationService extends AgentGrpc.AgentImplBase {
  private final Map<String, NodeAttestor> attestors;
  private final CertificateAuthority ca;
  private final NodeStore nodes;
  private final AuditLog audit;
  private final Duration agentSvidTtl;

  AttestationService(List<NodeAttestor> attestors, CertificateAuthority ca, NodeStore nodes,
      AuditLog audit, Duration agentSvidTtl) {
    Map<String, NodeAttestor> byName = new java.util.LinkedHashMap<>();
    attestors.forEach(a -> byName.put(a.name(), a));
    this.attestors = Map.copyOf(byName);
    this.ca = ca;
    this.nodes = nodes;
    this.audit = audit;
    this.agentSvidTtl = agentSvidTtl;
  }

  @Override
  public StreamObserver<AttestAgentRequest> attestAgent(StreamObserver<AttestAgentResponse> out) {
    String peer = AgentAuthInterceptor.REMOTE_ADDRESS.get();
    return new Conversation(out, peer == null ? "" : peer);
  }

  /** One AttestAgent stream: params, then zero or more challenge/response rounds, then result. */
  private final class Conversation implements StreamObserver<AttestAgentRequest> {
    private final StreamObserver<AttestAgentResponse> out;
    private final String peer;
    private String type = "";
    private byte[] csr;
    private AttestationStep.Challenge pending;
    private boolean done;

    Conversation(StreamObserver<AttestAgentResponse> out, String peer) {
      this.out = out;
      this.peer = peer;
    }

    @Override
    public void onNext(AttestAgentRequest request) {
      if (done) {
        return;
      }
      try {
        AttestationStep step;
        if (pending == null) {
          step = start(request);
        } else {
          if (request.getStepCase() != AttestAgentRequest.StepCase.CHALLENGE_RESPONSE) {
            throw fail(Status.INVALID_ARGUMENT, "malformed param: expected a challenge response");
          }
          step = pending.respond(request.getChallengeResponse().toByteArray());
        }
        if (step instanceof AttestationStep.Challenge challenge) {
          pending = challenge;
          out.onNext(AttestAgentResponse.newBuilder()
              .setChallenge(ByteString.copyFrom(challenge.challenge())).build());
          return;
        }
        finish(((AttestationStep.Attested) step).result());
      } catch (AttestationException e) {
        Status status = e.reason() == AttestationException.Reason.MALFORMED
            ? Status.INVALID_ARGUMENT : Status.PERMISSION_DENIED;
        end(fail(status, "failed to attest: " + e.getMessage()));
      } catch (StatusRuntimeException e) {
        end(e);
      } catch (RuntimeException e) {
        end(fail(Status.INTERNAL, "failed to attest: " + e.getMessage()));
      }
    }

    private AttestationStep start(AttestAgentRequest request) throws AttestationException {
      if (request.getStepCase() != AttestAgentRequest.StepCase.PARAMS) {
        throw fail(Status.INVALID_ARGUMENT, "malformed param: missing params");
      }
      AttestAgentRequest.Params params = request.getParams();
      if (!params.hasData()) {
        throw fail(Status.INVALID_ARGUMENT, "malformed param: missing attestation data");
      }
      type = params.getData().getType();
      if (!params.hasParams() || params.getParams().getCsr().isEmpty()) {
        throw fail(Status.INVALID_ARGUMENT, "malformed param: missing X509-SVID params");
      }
      if (type.isEmpty()) {
        throw fail(Status.INVALID_ARGUMENT, "malformed attestation data: missing type");
      }
      if (params.getData().getPayload().isEmpty()) {
        throw fail(Status.INVALID_ARGUMENT, "malformed attestation data: missing payload");
      }
      csr = params.getParams().getCsr().toByteArray();
      NodeAttestor attestor = attestors.get(type);
      if (attestor == null) {
        throw fail(Status.FAILED_PRECONDITION,
            "error getting node attestor: could not find node attestor type \"" + type + "\"");
      }
      return attestor.attest(params.getData().getPayload().toByteArray());
    }

    private void finish(AttestationResult result) {
      String agentId = result.agentId().toString();
      Optional<AttestedNode> existing = nodes.get(agentId);
      if (existing.isPresent() && existing.get().banned()) {
        throw fail(Status.PERMISSION_DENIED, "failed to attest: agent is banned", agentId);
      }
      List<X509Certificate> chain = sign(result.agentId(), csr);
      X509Certificate leaf = chain.get(0);
      nodes.put(new AttestedNode(agentId, type, leaf.getSerialNumber().toString(),
          leaf.getNotAfter().toInstant().getEpochSecond(), "", 0, result.canReattest(),
          existing.map(AttestedNode::agentVersion).orElse(""),
          existing.map(AttestedNode::createdAt).orElse(0L), result.selectors()));
      ObjectNode record = record("attestation", "OK");
      record.put("agent_id", agentId);
      record.put("serial", leaf.getSerialNumber().toString());
      record.put("reattestable", result.canReattest());
      var selectors = record.putArray("selectors");
      for (Selector s : result.selectors()) {
        selectors.add(s.toString());
      }
      audit.record(record);
      done = true;
      out.onNext(AttestAgentResponse.newBuilder().setResult(AttestAgentResponse.Result.newBuilder()
          .setSvid(toProto(result.agentId(), chain))
          .setReattestable(result.canReattest())).build());
      out.onCompleted();
    }

    private StatusRuntimeException fail(Status status, String message) {
      return fail(status, message, "");
    }

    private StatusRuntimeException fail(Status status, String message, String agentId) {
      ObjectNode record = record("attestation", status.getCode().name());
      if (!agentId.isEmpty()) {
        record.put("agent_id", agentId);
      }
      record.put("reason", message);
      audit.record(record);
      return status.withDescription(message).asRuntimeException();
    }

    private ObjectNode record(String event, String outcome) {
      ObjectNode record = audit.newRecord(event);
      record.put("attestation_type", type);
      record.put("address", peer);
      record.put("status", outcome);
      return record;
    }

    private void end(StatusRuntimeException e) {
      done = true;
      out.onError(e);
    }

    @Override
    public void onError(Throwable t) {
      if (!done) {
        done = true;
        ObjectNode record = record("attestation", "CANCELLED");
        record.put("reason", "agent closed the stream: " + Status.fromThrowable(t).getCode());
        audit.record(record);
      }
    }

    @Override
    public void onCompleted() {
      if (!done) {
        end(fail(Status.INVALID_ARGUMENT, "failed to attest: the agent ended the conversation"
            + " before attestation completed"));
      }
    }
  }

  @Override
  public void renewAgent(RenewAgentRequest request, StreamObserver<RenewAgentResponse> out) {
    AgentCaller caller = AgentCaller.current();
    ObjectNode record = audit.newRecord("agent_renewal");
    record.put("agent_id", caller.id().toString());
    try {
      if (!request.hasParams() || request.getParams().getCsr().isEmpty()) {
        throw Status.INVALID_ARGUMENT.withDescription("missing CSR").asRuntimeException();
      }
      List<X509Certificate> chain = sign(caller.id(), request.getParams().getCsr().toByteArray());
      X509Certificate leaf = chain.get(0);
      if (!nodes.renew(caller.id().toString(), leaf.getSerialNumber().toString(),
          leaf.getNotAfter().toInstant().getEpochSecond())) {
        throw Status.PERMISSION_DENIED.withDescription("agent \"" + caller.id()
            + "\" is banned or no longer attested").asRuntimeException();
      }
      record.put("status", "OK");
      record.put("serial", leaf.getSerialNumber().toString());
      audit.record(record);
      out.onNext(RenewAgentResponse.newBuilder().setSvid(toProto(caller.id(), chain)).build());
      out.onCompleted();
    } catch (StatusRuntimeException e) {
      record.put("status", e.getStatus().getCode().name());
      record.put("reason", e.getStatus().getDescription());
      audit.record(record);
      out.onError(e);
    }
  }

  @Override
  public void postStatus(PostStatusRequest request, StreamObserver<PostStatusResponse> out) {
    AgentCaller caller = AgentCaller.current();
    if (!request.getAgentVersion().isEmpty()) {
      nodes.setAgentVersion(caller.id().toString(), request.getAgentVersion());
    }
    out.onNext(PostStatusResponse.getDefaultInstance());
    out.onCompleted();
  }

  /** Signs the agent SVID: the agent ID and the CSR's key; the CSR's names are ignored. */
  private List<X509Certificate> sign(SpiffeId agentId, byte[] csrDer) {
    Csr csr;
    try {
      csr = Csr.parse(csrDer);
    } catch (InvalidCsrException e) {
      throw Status.INVALID_ARGUMENT.withDescription("failed to sign X509 SVID: malformed CSR: "
          + e.getMessage()).asRuntimeException();
    }
    try {
      return ca.signX509Svid(csr.publicKey(), agentId, List.of(), agentSvidTtl);
    } catch (CaException e) {
      throw Status.INTERNAL.withDescription("failed to sign X509 SVID: " + e.getMessage())
          .asRuntimeException();
    }
  }

  static X509SVID toProto(SpiffeId id, List<X509Certificate> chain) {
    X509SVID.Builder svid = X509SVID.newBuilder()
        .setId(ProtoEntries.toProto(id.toString()))
        .setExpiresAt(chain.get(0).getNotAfter().toInstant().getEpochSecond());
    for (X509Certificate c : chain) {
      try {
        svid.addCertChain(ByteString.copyFrom(c.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException("a certificate we signed cannot be encoded", e);
      }
    }
    return svid.build();
  }
}
