package io.synid.agent.cache;

import com.google.protobuf.ByteString;
import io.synid.agent.node.KeyPairs;
import io.synid.agent.node.AgentSvidStore;
import io.synid.agent.server.ServerApiException;
import io.synid.agent.server.ServerClient;
import io.synid.api.spire.server.svid.v1.BatchNewX509SVIDResponse;
import io.synid.api.spire.server.svid.v1.NewX509SVIDParams;
import io.synid.api.spire.types.Entry;
import io.synid.core.bundle.TrustBundle;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.Csr;
import io.synid.core.x509.InvalidPemException;
import io.synid.core.x509.Pem;
import java.io.IOException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * One sync cycle with the server: our bundle, the authorized entries (incremental), the
 * federated bundles those entries need, and X509-SVIDs for entries that are new, changed, or past
 * half their SVID's lifetime (requested in batches of {@value #BATCH_SIZE}); SVIDs of withdrawn
 * entries are dropped. The result is published as one new {@link AgentState}, and only when
 * something changed.
 *
 * <p>When the server cannot be reached nothing is dropped: SVIDs keep being served until they
 * expire, and expired ones are withdrawn by {@link #dropExpired}.
 */
public final class Synchronizer {
  private static final Logger LOG = Logger.getLogger(Synchronizer.class.getName());
  static final int BATCH_SIZE = 500;

  private final ServerClient client;
  private final AgentStateHolder holder;
  private final AgentSvidStore store;
  private final Clock clock;

  public Synchronizer(ServerClient client, AgentStateHolder holder, AgentSvidStore store, Clock clock) {
    this.client = client;
    this.holder = holder;
    this.store = store;
    this.clock = clock;
  }

  /**
   * Runs one cycle.
   *
   * @return the number of SVIDs signed in this cycle
   * @throws ServerApiException when a call to the server failed; the state is left as it was
   */
  public int syncOnce() throws ServerApiException {
    AgentState before = holder.current();
    TrustBundle bundle = client.bundle();
    if (!before.ready() || !bundle.x509Authorities().equals(before.bundle().x509Authorities())) {
      try {
        store.saveBundle(bundle.x509Authorities());
      } catch (IOException e) {
        LOG.warning("cannot save the bundle: " + e.getMessage());
      }
    }
    Map<String, Entry> entries = client.syncEntries(before.entries());
    Map<String, TrustBundle> federated = federatedBundles(entries, before.federated());

    Instant now = clock.instant();
    Map<String, WorkloadSvid> svids = new HashMap<>();
    List<Entry> toSign = new ArrayList<>();
    for (Entry entry : entries.values()) {
      WorkloadSvid held = before.svids().get(entry.getId());
      if (held == null || held.entry().getRevisionNumber() != entry.getRevisionNumber()
          || !now.isBefore(held.rotateAt())) {
        toSign.add(entry);
      }
      if (held != null && now.isBefore(held.notAfter())) {
        // Keep serving the old SVID until its replacement arrives.
        svids.put(entry.getId(), held);
      }
    }
    int signed = 0;
    for (int from = 0; from < toSign.size(); from += BATCH_SIZE) {
      signed += sign(toSign.subList(from, Math.min(toSign.size(), from + BATCH_SIZE)), svids);
    }
    AgentState after = new AgentState(bundle, federated, entries, svids, true);
    if (!after.equals(before)) {
      holder.publish(after);
    }
    return signed;
  }

  /** Withdraws SVIDs that expired (the server being unreachable for longer than their life). */
  public void dropExpired() {
    AgentState state = holder.current();
    Instant now = clock.instant();
    Map<String, WorkloadSvid> live = new HashMap<>();
    state.svids().forEach((id, svid) -> {
      if (now.isBefore(svid.notAfter())) {
        live.put(id, svid);
      }
    });
    if (live.size() != state.svids().size()) {
      LOG.warning((state.svids().size() - live.size()) + " SVIDs expired while the server was unreachable");
      holder.publish(new AgentState(state.bundle(), state.federated(), state.entries(), live,
          state.ready()));
    }
  }

  private int sign(List<Entry> batch, Map<String, WorkloadSvid> svids) throws ServerApiException {
    List<NewX509SVIDParams> params = new ArrayList<>(batch.size());
    List<KeyPair> keys = new ArrayList<>(batch.size());
    for (Entry entry : batch) {
      KeyPair key = KeyPairs.newEcP256();
      keys.add(key);
      params.add(NewX509SVIDParams.newBuilder().setEntryId(entry.getId())
          .setCsr(ByteString.copyFrom(Csr.create(key))).build());
    }
    List<BatchNewX509SVIDResponse.Result> results = client.newX509Svids(params);
    if (results.size() != batch.size()) {
      throw ServerApiException.malformed("the server answered " + results.size()
          + " results to a batch of " + batch.size());
    }
    int signed = 0;
    for (int i = 0; i < batch.size(); i++) {
      Entry entry = batch.get(i);
      BatchNewX509SVIDResponse.Result result = results.get(i);
      if (result.getStatus().getCode() != 0) {
        LOG.warning("the server did not sign an SVID for entry " + entry.getId() + ": "
            + result.getStatus().getMessage());
        continue;
      }
      try {
        List<X509Certificate> chain = new ArrayList<>();
        for (ByteString der : result.getSvid().getCertChainList()) {
          chain.add(Pem.certificateFromDer(der.toByteArray()));
        }
        if (chain.isEmpty() || !chain.get(0).getPublicKey().equals(keys.get(i).getPublic())) {
          LOG.warning("the server sent an SVID for entry " + entry.getId()
              + " that does not certify the requested key; ignored");
          continue;
        }
        svids.put(entry.getId(), new WorkloadSvid(entry, chain, keys.get(i).getPrivate()));
        signed++;
      } catch (InvalidPemException e) {
        LOG.warning("the server sent a malformed SVID for entry " + entry.getId() + ": " + e.getMessage());
      }
    }
    return signed;
  }

  private Map<String, TrustBundle> federatedBundles(Map<String, Entry> entries,
      Map<String, TrustBundle> previous) throws ServerApiException {
    TreeSet<String> wanted = new TreeSet<>();
    for (Entry entry : entries.values()) {
      wanted.addAll(entry.getFederatesWithList());
    }
    Map<String, TrustBundle> out = new HashMap<>();
    for (String name : wanted) {
      TrustDomain td;
      try {
        td = TrustDomain.parse(name);
      } catch (InvalidSpiffeIdException e) {
        LOG.warning("an entry federates with an invalid trust domain \"" + name + "\"");
        continue;
      }
      Optional<TrustBundle> bundle = client.federatedBundle(td);
      if (bundle.isPresent()) {
        out.put(name, bundle.get());
      } else if (previous.containsKey(name)) {
        out.put(name, previous.get(name));
      }
    }
    return out;
  }
}
