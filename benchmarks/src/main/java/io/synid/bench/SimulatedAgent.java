package io.synid.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusException;
import io.grpc.stub.BlockingClientCall;
import io.synid.api.spire.server.agent.v1.AgentGrpc;
import io.synid.api.spire.server.agent.v1.AgentX509SVIDParams;
import io.synid.api.spire.server.agent.v1.AttestAgentRequest;
import io.synid.api.spire.server.agent.v1.AttestAgentResponse;
import io.synid.api.spire.server.entry.v1.EntryGrpc;
import io.synid.api.spire.server.entry.v1.EntryRevision;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesRequest;
import io.synid.api.spire.server.entry.v1.SyncAuthorizedEntriesResponse;
import io.synid.api.spire.server.svid.v1.BatchNewX509SVIDRequest;
import io.synid.api.spire.server.svid.v1.BatchNewX509SVIDResponse;
import io.synid.api.spire.server.svid.v1.NewX509SVIDParams;
import io.synid.api.spire.server.svid.v1.SVIDGrpc;
import io.synid.api.spire.types.AttestationData;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.EntryMask;
import io.synid.api.spire.types.X509SVID;
import io.synid.core.x509.Pem;
import io.synid.nodeattestor.AgentNodeAttestor;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One agent speaking SPIRE's agent API as spire-agent v1.15 does, for load generation: it attests
 * over server-authenticated TLS, then makes every further call over one mutual-TLS connection
 * with the agent SVID it was issued. Thread-safe after {@link #attest}: calls may run
 * concurrently on the shared connection, as spire-agent's do.
 */
final class SimulatedAgent implements AutoCloseable {
  /** The fields spire-agent v1.15 asks for when it syncs (pkg/agent/client/client.go). */
  static final EntryMask SPIRE_AGENT_MASK = EntryMask.newBuilder()
      .setSpiffeId(true).setSelectors(true).setFederatesWith(true).setAdmin(true)
      .setDownstream(true).setRevisionNumber(true).setStoreSvid(true).setHint(true)
      .setAdditionalAttributes(true).setCreatedAt(true).build();

  private static final long DEADLINE_SECONDS = 60;

  /** The agent's SPIFFE ID, from the SVID the server issued. */
  final String id;
  private final AgentApiEndpoint endpoint;
  private final KeyPair key;
  private final List<X509Certificate> svid;
  private final ManagedChannel channel;

  private SimulatedAgent(String id, AgentApiEndpoint endpoint, KeyPair key, List<X509Certificate> svid)
      throws Exception {
    this.id = id;
    this.endpoint = endpoint;
    this.key = key;
    this.svid = svid;
    this.channel = endpoint.channel(key, svid);
  }

  /**
   * Runs {@code AgentGrpc/AttestAgent} to its result on a connection of its own (closed after),
   * answering the server's challenges with {@code attestor}, and opens the agent's mutual-TLS
   * channel with the issued SVID. The connection is made lazily, by the first call.
   *
   * @param csr a DER PKCS#10 request signed by {@code key}: the agent SVID's key
   * @throws StatusException if the server refuses the attestation
   */
  static SimulatedAgent attest(AgentApiEndpoint endpoint, AgentNodeAttestor attestor, KeyPair key,
      byte[] csr) throws Exception {
    ManagedChannel tls = endpoint.channel();
    X509SVID svid;
    try {
      BlockingClientCall<AttestAgentRequest, AttestAgentResponse> call = AgentGrpc.newBlockingV2Stub(tls)
          .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).attestAgent();
      call.write(AttestAgentRequest.newBuilder().setParams(AttestAgentRequest.Params.newBuilder()
          .setData(AttestationData.newBuilder().setType(attestor.name())
              .setPayload(ByteString.copyFrom(attestor.payload())))
          .setParams(AgentX509SVIDParams.newBuilder().setCsr(ByteString.copyFrom(csr)))).build());
      while (true) {
        AttestAgentResponse response = call.read();
        if (response == null) {
          throw new IllegalStateException("AttestAgent ended without a result");
        }
        if (response.hasResult()) {
          svid = response.getResult().getSvid();
          call.halfClose();
          break;
        }
        call.write(AttestAgentRequest.newBuilder().setChallengeResponse(ByteString.copyFrom(
            attestor.respond(response.getChallenge().toByteArray()))).build());
      }
    } finally {
      tls.shutdownNow();
    }
    List<X509Certificate> chain = new ArrayList<>();
    for (ByteString der : svid.getCertChainList()) {
      chain.add(Pem.certificateFromDer(der.toByteArray()));
    }
    String id = "spiffe://" + svid.getId().getTrustDomain() + svid.getId().getPath();
    return new SimulatedAgent(id, endpoint, key, chain);
  }

  /**
   * The same agent (same SVID) on a connection of its own, as after a spire-agent restart: its
   * first call makes a new mutual-TLS handshake. The caller closes it.
   */
  SimulatedAgent newConnection() throws Exception {
    return new SimulatedAgent(id, endpoint, key, svid);
  }

  /**
   * A full {@code EntryGrpc/SyncAuthorizedEntries} with an empty cache, as spire-agent's first
   * sync: the initial request carries spire-agent's output mask; a response of whole entries ends
   * the sync; otherwise the server pages {@code (id, revision)} pairs until {@code more} is false,
   * and the agent asks for the full entries one page (the size of the server's first page) at a
   * time, reading each answer until {@code more} is false. The stream is then cancelled, as
   * spire-agent does.
   *
   * @return the authorized entries, in the order received
   */
  List<Entry> syncAuthorizedEntries() throws Exception {
    BlockingClientCall<SyncAuthorizedEntriesRequest, SyncAuthorizedEntriesResponse> call =
        EntryGrpc.newBlockingV2Stub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
            .syncAuthorizedEntries();
    try {
      call.write(SyncAuthorizedEntriesRequest.newBuilder().setOutputMask(SPIRE_AGENT_MASK).build());
      SyncAuthorizedEntriesResponse response = read(call);
      if (response.getEntryRevisionsCount() == 0) {
        return response.getEntriesList();
      }
      int pageSize = response.getEntryRevisionsCount();
      List<String> needed = new ArrayList<>();
      while (true) {
        for (EntryRevision revision : response.getEntryRevisionsList()) {
          needed.add(revision.getId());
        }
        if (!response.getMore()) {
          break;
        }
        response = read(call);
      }
      // spire-agent sorts the IDs it asks for; the server's lookup is cheapest that way.
      Collections.sort(needed);
      List<Entry> entries = new ArrayList<>(needed.size());
      for (int from = 0; from < needed.size(); from += pageSize) {
        call.write(SyncAuthorizedEntriesRequest.newBuilder()
            .addAllIds(needed.subList(from, Math.min(needed.size(), from + pageSize))).build());
        do {
          response = read(call);
          entries.addAll(response.getEntriesList());
        } while (response.getMore());
      }
      return entries;
    } finally {
      call.cancel("sync complete", null);
    }
  }

  private static SyncAuthorizedEntriesResponse read(
      BlockingClientCall<SyncAuthorizedEntriesRequest, SyncAuthorizedEntriesResponse> call) throws Exception {
    SyncAuthorizedEntriesResponse response = call.read();
    if (response == null) {
      throw new IllegalStateException("SyncAuthorizedEntries ended before the sync was complete");
    }
    return response;
  }

  /**
   * {@code SVIDGrpc/BatchNewX509SVID} for one entry.
   *
   * @return the SVID's chain, DER, leaf first
   * @throws IllegalStateException if the server's per-item status is not OK
   */
  List<ByteString> newX509Svid(String entryId, ByteString csr) {
    BatchNewX509SVIDResponse response = SVIDGrpc.newBlockingStub(channel)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .batchNewX509SVID(BatchNewX509SVIDRequest.newBuilder()
            .addParams(NewX509SVIDParams.newBuilder().setEntryId(entryId).setCsr(csr)).build());
    BatchNewX509SVIDResponse.Result result = response.getResults(0);
    if (result.getStatus().getCode() != 0) {
      throw new IllegalStateException("BatchNewX509SVID for entry " + entryId + ": "
          + result.getStatus().getMessage());
    }
    return result.getSvid().getCertChainList();
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
