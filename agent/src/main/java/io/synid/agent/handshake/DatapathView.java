package io.synid.agent.handshake;

import io.synid.policy.compile.CompiledTables;
import io.synid.policy.model.Mode;
import java.util.Map;

/**
 * What the agent last installed in the datapath, as one immutable value: used to explain kernel
 * decisions (which workload, which peer, which rule) in audit records.
 *
 * @param agentId this node's agent SPIFFE ID
 * @param workloads local workloads by cgroup id
 * @param identitiesByHandle SPIFFE ID of every bound identity handle (local and remote)
 * @param identityNumbersByHandle identity number of every bound identity handle
 * @param spiffeIdsByIdentity SPIFFE ID of every identity number
 * @param tables the compiled verdicts and CIDR rules
 * @param modes the mode installed for each local cgroup
 * @param policyVersion the version of the policy set compiled into {@code tables}
 */
record DatapathView(String agentId, Map<Long, LocalWorkload> workloads,
    Map<Integer, String> identitiesByHandle, Map<Integer, Integer> identityNumbersByHandle,
    Map<Integer, String> spiffeIdsByIdentity,
    CompiledTables tables, Map<Long, Mode> modes, long policyVersion) {
  DatapathView {
    workloads = Map.copyOf(workloads);
    identitiesByHandle = Map.copyOf(identitiesByHandle);
    identityNumbersByHandle = Map.copyOf(identityNumbersByHandle);
    spiffeIdsByIdentity = Map.copyOf(spiffeIdsByIdentity);
    modes = Map.copyOf(modes);
  }

  static DatapathView empty(String agentId) {
    return new DatapathView(agentId, Map.of(), Map.of(), Map.of(), Map.of(), CompiledTables.EMPTY,
        Map.of(), 0);
  }
}
