package io.synid.agent.handshake;

import io.synid.agent.server.ServerApiException;
import io.synid.api.node.v1.AllocateHandlesResponse;
import io.synid.api.node.v1.Flow;
import io.synid.api.node.v1.GetDirectoryResponse;
import io.synid.api.node.v1.GetPoliciesResponse;
import java.util.Collection;
import java.util.List;

/** The server calls the datapath needs ({@code synid.api.node.v1.Node}); implemented by ServerClient. */
public interface NodeApi {
  int registerHandshakeKey(byte[] publicKey, List<String> addresses) throws ServerApiException;

  List<AllocateHandlesResponse.Result> allocateHandles(Collection<String> spiffeIds)
      throws ServerApiException;

  GetDirectoryResponse directory(long knownRevision) throws ServerApiException;

  /**
   * The policy set: "unchanged" when {@code knownVersion} is current; with
   * {@code acceptsChanges}, possibly only the difference from {@code knownVersion}
   * ({@code GetPoliciesResponse.incremental}).
   */
  GetPoliciesResponse policies(long knownVersion, boolean acceptsChanges) throws ServerApiException;

  void reportFlows(List<Flow> flows) throws ServerApiException;
}
