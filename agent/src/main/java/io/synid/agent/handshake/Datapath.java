package io.synid.agent.handshake;

import io.synid.handshake.CidrRule;
import io.synid.handshake.DatapathException;
import io.synid.handshake.HandshakeEvent;
import io.synid.handshake.PairwiseKeys;
import io.synid.handshake.VerdictRule;
import io.synid.handshake.WorkloadMode;
import java.net.InetAddress;
import java.util.Collection;
import java.util.function.Consumer;

/**
 * What the agent asks of the kernel datapath: the calls of {@code HandshakeDatapath} it uses,
 * behind a small interface so that the reconciliation logic can be tested without a kernel.
 * See docs/handshake.md for the maps behind each call.
 */
public interface Datapath extends AutoCloseable {
  void setLocalIdentity(long cgroupId, int handle, int identity) throws DatapathException;

  void removeLocalIdentity(long cgroupId) throws DatapathException;

  void setMode(long cgroupId, WorkloadMode mode) throws DatapathException;

  void setPeerKeys(PairwiseKeys keys) throws DatapathException;

  void removePeerKeys(int peerNode, int epoch) throws DatapathException;

  void setTransmitEpoch(int epoch) throws DatapathException;

  void setPeerNode(InetAddress prefix, int prefixLength, int node) throws DatapathException;

  void removePeerNode(InetAddress prefix, int prefixLength) throws DatapathException;

  void setBinding(int handle, int identity, int node) throws DatapathException;

  void removeBinding(int handle) throws DatapathException;

  /** Replaces the whole verdict set (the datapath writes only the difference). */
  void setVerdicts(Collection<VerdictRule> rules) throws DatapathException;

  /** Replaces the whole set of unauthenticated-peer rules. */
  void setCidrRules(Collection<CidrRule> rules) throws DatapathException;

  /** Registers a listener for every decision event; it runs on the datapath's event thread. */
  void addEventListener(Consumer<HandshakeEvent> listener);

  @Override
  void close();
}
