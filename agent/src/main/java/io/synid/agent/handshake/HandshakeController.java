package io.synid.agent.handshake;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.synid.agent.cache.AgentState;
import io.synid.agent.server.ServerApiException;
import io.synid.agent.audit.AuditSink;
import io.synid.api.node.v1.AllocateHandlesResponse;
import io.synid.api.node.v1.ChangeNotice;
import io.synid.api.node.v1.Flow;
import io.synid.api.node.v1.GetDirectoryResponse;
import io.synid.api.node.v1.GetPoliciesResponse;
import io.synid.api.node.v1.IdentityBinding;
import io.synid.api.node.v1.NodeKey;
import io.synid.api.node.v1.PolicyDocument;
import io.synid.core.selector.InvalidSelectorException;
import io.synid.core.selector.Selector;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.handshake.CidrRule;
import io.synid.handshake.DatapathException;
import io.synid.handshake.NodeKeyPair;
import io.synid.handshake.PairwiseKeys;
import io.synid.handshake.VerdictRule;
import io.synid.handshake.WorkloadMode;
import io.synid.policy.compile.CidrEntry;
import io.synid.policy.compile.CidrKey;
import io.synid.policy.compile.CompiledTables;
import io.synid.policy.compile.IdentityDirectory;
import io.synid.policy.compile.PolicyCompiler;
import io.synid.policy.compile.TableVerdict;
import io.synid.policy.compile.VerdictEntry;
import io.synid.policy.compile.VerdictKey;
import io.synid.policy.model.Cidr;
import io.synid.policy.model.Mode;
import io.synid.policy.model.PolicySet;
import io.synid.policy.model.WorkloadIdentity;
import io.synid.policy.parse.InvalidPolicyException;
import io.synid.policy.parse.PolicyParser;
import io.synid.policy.parse.PolicySource;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Keeps the kernel datapath in step with the server and this node's workloads; one
 * {@link #reconcile} per agent sync cycle.
 *
 * <p>Per cycle: register the node's handshake key once (which gives the node index); find the
 * local workloads (cgroups whose processes attest to an entry) and get an identity handle for
 * each SPIFFE ID; fetch the node directory and the policy set when they changed; then, if
 * anything changed, install pairwise keys for the previous, current and next key epochs with
 * every node (this one included, for connections inside the node), address-to-node routes,
 * identity bindings, local identities, the compiled verdicts and unauthenticated-peer rules,
 * and each local workload's mode. Finally report the flow counts seen since the last cycle.
 *
 * <p>Modes: a per-workload override set with {@code policy mode} wins; otherwise the mode of the
 * policies that protect the workload; a workload no policy protects runs in monitor mode (its
 * connections are allowed and recorded, which is what policy suggestion learns from).
 */
public final class HandshakeController implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(HandshakeController.class.getName());

  private final HandshakeSettings settings;
  private final Datapath datapath;
  private final NodeKeyPair key;
  private final NodeApi server;
  private final CgroupWorkloads workloads;
  private final AuditSink audit;
  private final Clock clock;
  private final Supplier<String> agentId;
  private final ConnectionAudit connections;

  private int nodeIndex;
  private final Map<String, AllocateHandlesResponse.Result> handles = new HashMap<>();
  private long directoryRevision;
  private List<NodeKey> nodes = List.of();
  private List<IdentityBinding> bindings = List.of();
  /** The server's latest change notice (null before the first): what an announced reconcile may skip. */
  private volatile ChangeNotice latestNotice;
  /** The directory counter of the notice the last directory fetch started after; -1 for none. */
  private long directoryCounterFetched = -1;
  private long policyVersion;
  /** The sources of the installed policy version by name: what an incremental answer changes. */
  private SortedMap<String, PolicySource> policySources = new TreeMap<>();
  private PolicySet policies = new PolicySet(0, List.of());
  /** The last policy set's sources, parsed: a change re-reads only the policies it touches. */
  private final PolicyParser.Cache parsedPolicies = new PolicyParser.Cache();
  private Map<String, String> modeOverrides = Map.of();
  private List<LocalWorkload> installedWorkloads = List.of();
  private int installedEpoch = Integer.MIN_VALUE;
  private final Set<List<Integer>> installedPeerKeys = new HashSet<>();
  private final Set<String> installedPeerNodes = new HashSet<>();
  private final Set<Integer> installedBindings = new HashSet<>();
  private volatile DatapathView view;

  public HandshakeController(HandshakeSettings settings, Datapath datapath, NodeKeyPair key,
      NodeApi server, io.synid.workloadattestor.WorkloadAttestation attestation,
      AuditSink audit, Clock clock, Supplier<String> agentId) {
    this.settings = settings;
    this.datapath = datapath;
    this.key = key;
    this.server = server;
    this.workloads = new CgroupWorkloads(settings.cgroup(), attestation);
    this.audit = audit;
    this.clock = clock;
    this.agentId = agentId;
    this.view = DatapathView.empty("");
    this.connections = new ConnectionAudit(audit, () -> view, clock);
    datapath.addEventListener(connections::onEvent);
  }

  /** This node's index, 0 before the key is registered. */
  public synchronized int nodeIndex() {
    return nodeIndex;
  }

  /** How many local workloads have an identity in the kernel. */
  public int installedWorkloads() {
    return view.workloads().size();
  }

  /** How many identity handles are bound in the kernel (local and remote). */
  public int knownBindings() {
    return view.identitiesByHandle().size();
  }

  /** The policy version installed in the kernel. */
  public long installedPolicyVersion() {
    return view.policyVersion();
  }

  /**
   * One reconciliation; see the class documentation.
   *
   * @throws ServerApiException when the server cannot be reached (the datapath keeps enforcing
   *     what it has)
   */
  public void reconcile(AgentState state) throws ServerApiException, DatapathException,
      IOException, InterruptedException {
    reconcile(state, false);
  }

  /**
   * Tells the controller the server's latest change notice (any thread). The next
   * {@link #reconcileAnnounced} fetches only what the notices say changed.
   */
  public void announced(ChangeNotice notice) {
    latestNotice = notice;
  }

  /**
   * A reconciliation after a change notice: like {@link #reconcile(AgentState)}, but the node
   * directory is fetched only when the announced directory counter moved since the last fetch
   * (or this call allocated handles), and the policies only when the announced version differs
   * from the installed one. An entry reaching its expiry moves no counter; the periodic
   * {@link #reconcile(AgentState)} still fetches everything.
   */
  public void reconcileAnnounced(AgentState state) throws ServerApiException,
      DatapathException, IOException, InterruptedException {
    reconcile(state, true);
  }

  private synchronized void reconcile(AgentState state, boolean announced)
      throws ServerApiException, DatapathException, IOException, InterruptedException {
    if (nodeIndex == 0) {
      nodeIndex = server.registerHandshakeKey(key.publicKey(), settings.addresses());
      LOG.info("handshake key registered; node index " + nodeIndex);
    }
    long started = System.nanoTime();
    boolean changed = false;

    List<LocalWorkload> local = workloads.scan(state);
    Set<String> missing = new TreeSet<>();
    for (LocalWorkload w : local) {
      if (!handles.containsKey(w.spiffeId())) {
        missing.add(w.spiffeId());
      }
    }
    boolean allocated = false;
    if (!missing.isEmpty()) {
      for (AllocateHandlesResponse.Result r : server.allocateHandles(missing)) {
        if (r.getStatus().getCode() == 0) {
          handles.put(r.getSpiffeId(), r);
          changed = true;
          allocated = true;
        } else {
          LOG.warning("no identity handle for " + r.getSpiffeId() + ": " + r.getStatus().getMessage());
        }
      }
    }
    local = local.stream().filter(w -> handles.containsKey(w.spiffeId())).toList();
    if (!local.equals(installedWorkloads)) {
      changed = true;
    }

    ChangeNotice notice = latestNotice;
    boolean directoryAnnounced = notice == null
        || notice.getDirectoryCounter() != directoryCounterFetched;
    if (!announced || allocated || directoryAnnounced) {
      GetDirectoryResponse directory = server.directory(directoryRevision);
      directoryCounterFetched = notice == null ? -1 : notice.getDirectoryCounter();
      if (!directory.getUnchanged()) {
        directoryRevision = directory.getRevision();
        nodes = directory.getNodesList();
        bindings = directory.getBindingsList();
        changed = true;
      }
    }

    if (!announced || notice == null || notice.getPolicyVersion() != policyVersion) {
      changed |= fetchPolicies();
    }

    int epoch = (int) (clock.instant().getEpochSecond() / settings.epochSeconds());
    if (epoch != installedEpoch) {
      changed = true;
    }
    if (changed) {
      install(local, epoch);
      ObjectNode record = audit.newRecord("datapath_updated");
      record.put("node_index", nodeIndex);
      record.put("policy_version", policyVersion);
      record.put("directory_revision", directoryRevision);
      record.put("workloads", local.size());
      record.put("verdicts", view.tables().verdicts().size());
      record.put("micros", (System.nanoTime() - started) / 1000);
      audit.record(record);
    }
    reportFlows();
  }

  /**
   * Brings the policy set up to the server's version: the difference from the installed version
   * when the server sends one, else the whole set. Returns whether the set changed. A set that
   * does not parse here is not installed: the last good one stays.
   */
  private boolean fetchPolicies() throws ServerApiException {
    GetPoliciesResponse fetched = server.policies(policyVersion, true);
    if (fetched.getUnchanged()) {
      return false;
    }
    SortedMap<String, PolicySource> sources = new TreeMap<>();
    if (fetched.getIncremental()) {
      for (String name : fetched.getCurrentNamesList()) {
        PolicySource kept = policySources.get(name);
        if (kept != null) {
          sources.put(name, kept);
        }
      }
    }
    addDocuments(sources, fetched);
    if (fetched.getIncremental()
        && !sources.keySet().equals(new HashSet<>(fetched.getCurrentNamesList()))) {
      // The difference does not fit the set we hold: take the whole set instead.
      LOG.warning("incremental policy answer for version " + fetched.getVersion()
          + " does not match the installed version " + policyVersion + "; fetching all");
      fetched = server.policies(0, false);
      sources.clear();
      addDocuments(sources, fetched);
    }
    try {
      policies = sources.isEmpty() ? new PolicySet(fetched.getVersion(), List.of())
          : PolicyParser.parse(fetched.getVersion(), List.copyOf(sources.values()), parsedPolicies);
    } catch (InvalidPolicyException e) {
      // The server validated the set; a refusal here means the two disagree. Keep enforcing
      // the last good set rather than a partial one.
      LOG.severe("policy set version " + fetched.getVersion() + " does not parse here; keeping"
          + " version " + policyVersion + ": " + e.getMessage());
      return false;
    }
    policySources = sources;
    policyVersion = fetched.getVersion();
    modeOverrides = Map.copyOf(fetched.getModeOverridesMap());
    return true;
  }

  private static void addDocuments(Map<String, PolicySource> sources, GetPoliciesResponse answer) {
    for (PolicyDocument doc : answer.getPoliciesList()) {
      sources.put(doc.getName(), PolicySource.of(doc.getName(), doc.getYaml()));
    }
  }

  private void install(List<LocalWorkload> local, int epoch) throws DatapathException {
    // Keys and routes first: a binding or verdict is useless to a peer we cannot verify.
    Set<List<Integer>> keys = new HashSet<>();
    Set<String> routes = new HashSet<>();
    for (NodeKey node : nodes) {
      int peer = node.getNodeIndex();
      byte[] peerKey = node.getX25519PublicKey().toByteArray();
      if (peerKey.length != NodeKeyPair.KEY_BYTES) {
        LOG.warning("node " + node.getAgentId() + " has a malformed handshake key; skipped");
        continue;
      }
      for (int e = epoch - 1; e <= epoch + 1; e++) {
        List<Integer> id = List.of(peer, e & 0xff);
        keys.add(id);
        if (!installedPeerKeys.contains(id) || epoch != installedEpoch) {
          datapath.setPeerKeys(PairwiseKeys.derive(key, nodeIndex, peerKey, peer, e));
        }
      }
      for (String address : node.getAddressesList()) {
        Cidr cidr;
        try {
          cidr = Cidr.parse(address);
        } catch (IllegalArgumentException ex) {
          LOG.warning("node " + node.getAgentId() + " has a malformed address " + address);
          continue;
        }
        routes.add(cidr + "=" + peer);
        if (!installedPeerNodes.contains(cidr + "=" + peer)) {
          datapath.setPeerNode(cidr.address(), cidr.prefixLength(), peer);
        }
      }
    }
    datapath.setTransmitEpoch(epoch);
    for (List<Integer> stale : installedPeerKeys) {
      if (!keys.contains(stale)) {
        datapath.removePeerKeys(stale.get(0), stale.get(1));
      }
    }
    for (String stale : installedPeerNodes) {
      if (!routes.contains(stale)) {
        Cidr cidr = Cidr.parse(stale.substring(0, stale.indexOf('=')));
        datapath.removePeerNode(cidr.address(), cidr.prefixLength());
      }
    }
    installedPeerKeys.clear();
    installedPeerKeys.addAll(keys);
    installedPeerNodes.clear();
    installedPeerNodes.addAll(routes);
    installedEpoch = epoch;

    Map<Integer, String> idByHandle = new HashMap<>();
    Map<Integer, Integer> numberByHandle = new HashMap<>();
    Map<Integer, String> idByNumber = new HashMap<>();
    Map<Integer, WorkloadIdentity> identities = new LinkedHashMap<>();
    Set<Integer> bound = new HashSet<>();
    for (IdentityBinding b : bindings) {
      datapath.setBinding(b.getHandle(), b.getIdentity(), b.getNodeIndex());
      bound.add(b.getHandle());
      idByHandle.put(b.getHandle(), b.getSpiffeId());
      numberByHandle.put(b.getHandle(), b.getIdentity());
      idByNumber.put(b.getIdentity(), b.getSpiffeId());
      WorkloadIdentity identity = workloadIdentity(b);
      if (identity != null) {
        identities.merge(b.getIdentity(), identity, (x, y) -> x);
      }
    }
    for (Integer stale : installedBindings) {
      if (!bound.contains(stale)) {
        datapath.removeBinding(stale);
      }
    }
    installedBindings.clear();
    installedBindings.addAll(bound);

    Set<Integer> protectedIdentities = new HashSet<>();
    for (LocalWorkload w : local) {
      protectedIdentities.add(handles.get(w.spiffeId()).getIdentity());
    }
    for (Integer number : protectedIdentities) {
      if (!identities.containsKey(number)) {
        // Allocated but not in the directory yet (it will be next cycle): known by ID only.
        String id = local.stream().filter(w -> handles.get(w.spiffeId()).getIdentity() == number)
            .findFirst().map(LocalWorkload::spiffeId).orElseThrow();
        try {
          identities.put(number, WorkloadIdentity.of(SpiffeId.parse(id)));
          idByNumber.put(number, id);
        } catch (InvalidSpiffeIdException e) {
          LOG.warning("invalid SPIFFE ID " + id);
        }
      }
    }
    CompiledTables tables = PolicyCompiler.create(policies,
        new IdentityDirectory(identities, protectedIdentities)).tables();
    datapath.setVerdicts(verdictRules(tables));
    datapath.setCidrRules(cidrRules(tables));

    Map<Long, LocalWorkload> byCgroup = new HashMap<>();
    Map<Long, Mode> modes = new HashMap<>();
    Set<Long> present = new HashSet<>();
    for (LocalWorkload w : local) {
      AllocateHandlesResponse.Result handle = handles.get(w.spiffeId());
      datapath.setLocalIdentity(w.cgroupId(), handle.getHandle(), handle.getIdentity());
      idByHandle.put(handle.getHandle(), w.spiffeId());
      numberByHandle.put(handle.getHandle(), handle.getIdentity());
      Mode mode = modeOf(w.spiffeId(), tables.modes().get(handle.getIdentity()));
      datapath.setMode(w.cgroupId(), mode == Mode.ENFORCE ? WorkloadMode.ENFORCE : WorkloadMode.MONITOR);
      byCgroup.put(w.cgroupId(), w);
      modes.put(w.cgroupId(), mode);
      present.add(w.cgroupId());
    }
    for (LocalWorkload gone : installedWorkloads) {
      if (!present.contains(gone.cgroupId())) {
        datapath.removeLocalIdentity(gone.cgroupId());
      }
    }
    installedWorkloads = List.copyOf(local);
    view = new DatapathView(agentId.get(), byCgroup, idByHandle, numberByHandle, idByNumber,
        tables, modes, policyVersion);
  }

  private Mode modeOf(String spiffeId, Mode compiled) {
    String override = modeOverrides.get(spiffeId);
    if ("enforce".equals(override)) {
      return Mode.ENFORCE;
    }
    if ("monitor".equals(override)) {
      return Mode.MONITOR;
    }
    return compiled == null ? Mode.MONITOR : compiled;
  }

  private static WorkloadIdentity workloadIdentity(IdentityBinding b) {
    try {
      Set<Selector> selectors = new HashSet<>();
      for (var s : b.getSelectorsList()) {
        selectors.add(Selector.of(s.getType(), s.getValue()));
      }
      return new WorkloadIdentity(SpiffeId.parse(b.getSpiffeId()), selectors);
    } catch (InvalidSpiffeIdException | InvalidSelectorException e) {
      LOG.warning("binding " + b.getHandle() + " has an invalid identity: " + e.getMessage());
      return null;
    }
  }

  static List<VerdictRule> verdictRules(CompiledTables tables) {
    List<VerdictRule> rules = new ArrayList<>(tables.verdicts().size());
    for (Map.Entry<VerdictKey, VerdictEntry> e : tables.verdicts().entrySet()) {
      rules.add(new VerdictRule(e.getKey().source(), e.getKey().destination(), e.getKey().port(),
          e.getValue().verdict() == TableVerdict.ALLOW));
    }
    return rules;
  }

  /**
   * The compiled unauthenticated-peer entries as kernel rules: per destination, the longest
   * matching prefix decides and may allow some ports only ({@link CidrRule#forDestination}).
   */
  static List<CidrRule> cidrRules(CompiledTables tables) {
    Map<Integer, List<CidrRule.PrefixPorts>> byDestination = new TreeMap<>();
    for (Map.Entry<CidrKey, CidrEntry> e : tables.cidrRules().entrySet()) {
      Cidr cidr = e.getKey().cidr();
      java.util.BitSet ports = new java.util.BitSet(65536);
      e.getValue().allowedPorts().forEachPort(ports::set);
      byDestination.computeIfAbsent(e.getKey().destination(), d -> new ArrayList<>())
          .add(new CidrRule.PrefixPorts(cidr.address(), cidr.prefixLength(), ports));
    }
    List<CidrRule> rules = new ArrayList<>();
    byDestination.forEach((destination, prefixes) ->
        rules.addAll(CidrRule.forDestination(destination, prefixes)));
    return rules;
  }

  private void reportFlows() {
    List<Flow> flows = connections.drainFlows();
    if (flows.isEmpty()) {
      return;
    }
    try {
      server.reportFlows(flows);
    } catch (ServerApiException e) {
      connections.restore(flows);
      LOG.fine("flows not reported yet: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    datapath.close();
  }
}
