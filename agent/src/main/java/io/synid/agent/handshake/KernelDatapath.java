package io.synid.agent.handshake;

import io.synid.handshake.CidrRule;
import io.synid.handshake.DatapathConfig;
import io.synid.handshake.DatapathException;
import io.synid.handshake.HandshakeDatapath;
import io.synid.handshake.HandshakeEvent;
import io.synid.handshake.PairwiseKeys;
import io.synid.handshake.VerdictRule;
import io.synid.handshake.WorkloadMode;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Consumer;

/** {@link Datapath} over the real eBPF programs ({@link HandshakeDatapath}). */
public final class KernelDatapath implements Datapath {
  private final HandshakeDatapath datapath;

  private KernelDatapath(HandshakeDatapath datapath) {
    this.datapath = datapath;
  }

  /**
   * Loads and attaches the programs. Every decision is reported (no sampling of allowed
   * handshakes): each one is a connection audit record.
   */
  public static KernelDatapath open(HandshakeSettings settings) throws DatapathException {
    // Every cgroup v2 directory, the root included, has cgroup.subtree_control; v1 has none.
    if (!java.nio.file.Files.exists(settings.cgroup().resolve("cgroup.subtree_control"))) {
      throw new DatapathException(settings.cgroup() + " is not a cgroup v2 directory (on hosts"
          + " with the hybrid layout cgroup2 is mounted at /sys/fs/cgroup/unified)");
    }
    DatapathConfig config = new DatapathConfig(settings.cgroup(), settings.lifetime(),
        Optional.of(settings.pinDirectory()), settings.timestampWindowSeconds(),
        DatapathConfig.DEFAULT_NODE_SHIFT, Duration.ZERO, settings.tcDevices());
    return new KernelDatapath(HandshakeDatapath.open(config));
  }

  @Override
  public void setLocalIdentity(long cgroupId, int handle, int identity) throws DatapathException {
    datapath.setLocalIdentity(cgroupId, handle, identity);
  }

  @Override
  public void removeLocalIdentity(long cgroupId) throws DatapathException {
    datapath.removeLocalIdentity(cgroupId);
  }

  @Override
  public void setMode(long cgroupId, WorkloadMode mode) throws DatapathException {
    datapath.setMode(cgroupId, mode);
  }

  @Override
  public void setPeerKeys(PairwiseKeys keys) throws DatapathException {
    datapath.setPeerKeys(keys);
  }

  @Override
  public void removePeerKeys(int peerNode, int epoch) throws DatapathException {
    datapath.removePeerKeys(peerNode, epoch);
  }

  @Override
  public void setTransmitEpoch(int epoch) throws DatapathException {
    datapath.setTransmitEpoch(epoch);
  }

  @Override
  public void setPeerNode(InetAddress prefix, int prefixLength, int node) throws DatapathException {
    datapath.setPeerNode(prefix, prefixLength, node);
  }

  @Override
  public void removePeerNode(InetAddress prefix, int prefixLength) throws DatapathException {
    datapath.removePeerNode(prefix, prefixLength);
  }

  @Override
  public void setBinding(int handle, int identity, int node) throws DatapathException {
    datapath.setBinding(handle, identity, node);
  }

  @Override
  public void removeBinding(int handle) throws DatapathException {
    datapath.removeBinding(handle);
  }

  @Override
  public void setVerdicts(Collection<VerdictRule> rules) throws DatapathException {
    datapath.setVerdicts(rules);
  }

  @Override
  public void setCidrRules(Collection<CidrRule> rules) throws DatapathException {
    datapath.setCidrRules(rules);
  }

  @Override
  public void addEventListener(Consumer<HandshakeEvent> listener) {
    datapath.addEventListener(listener);
  }

  @Override
  public void close() {
    datapath.close();
  }
}
