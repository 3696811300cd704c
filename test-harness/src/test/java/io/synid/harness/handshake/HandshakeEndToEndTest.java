package io.synid.harness.handshake;

import static io.synid.harness.handshake.TwoNodes.A4;
import static io.synid.harness.handshake.TwoNodes.A6;
import static io.synid.harness.handshake.TwoNodes.B4;
import static io.synid.harness.handshake.TwoNodes.B6;
import static io.synid.harness.handshake.TwoNodes.CLIENT;
import static io.synid.harness.handshake.TwoNodes.CLIENT_ID;
import static io.synid.harness.handshake.TwoNodes.LOCAL;
import static io.synid.harness.handshake.TwoNodes.OTHER_PORT;
import static io.synid.harness.handshake.TwoNodes.PLAIN_PORT;
import static io.synid.harness.handshake.TwoNodes.PORT;
import static io.synid.harness.handshake.TwoNodes.SERVER;
import static io.synid.harness.handshake.TwoNodes.SERVER_ID;
import static org.assertj.core.api.Assertions.assertThat;

import io.synid.handshake.CidrRule;
import io.synid.handshake.Counter;
import io.synid.handshake.HandshakeEvent;
import io.synid.handshake.HandshakeEvent.Action;
import io.synid.handshake.HandshakeEvent.Kind;
import io.synid.handshake.NodeKeyPair;
import io.synid.handshake.PairwiseKeys;
import io.synid.handshake.Reason;
import io.synid.handshake.VerdictRule;
import io.synid.handshake.WorkloadMode;
import java.net.InetAddress;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The handshake on a real kernel: two namespaces joined by veth, each with its own cgroup subtree
 * and datapath. Every refusal is checked twice: the connection really fails, and the node that
 * refused reports the right reason for that very connection.
 */
@Timeout(120)
class HandshakeEndToEndTest extends OnTwoNodes {

  private static final int REFUSED_MS = 1_500; // one SYN retransmission, both dropped
  private static final int CONNECT_MS = 5_000;

  private static SinkServer server;
  private static SinkServer otherPortServer;
  private static SinkServer plainServer;
  /** A listener of the workload LOCAL (identity 201) on node B. */
  private static final int LOCAL_LISTENER_PORT = 6060;

  @BeforeAll
  static void start() throws Exception {
    nodes = TwoNodes.start();
    server = nodes.closeLater(SinkServer.listen(nodes.b.thread("server"), null, PORT));
    otherPortServer = nodes.closeLater(SinkServer.listen(nodes.b.thread("server"), null, OTHER_PORT));
    plainServer = nodes.closeLater(SinkServer.listen(nodes.b.thread("plain"), null, PLAIN_PORT));
    nodes.closeLater(SinkServer.listen(nodes.b.thread("local"), null, LOCAL_LISTENER_PORT));
  }

  @Test
  void authorizedIpv4ClientReachesDualStackServerAndBothSidesSeeEachOther() throws Exception {
    Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, PORT, CONNECT_MS);
    try {
      assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
      assertThat(Client.transfer(c.socket(), 1000)).isEqualTo(1000);
    } finally {
      closeQuietly(c);
    }
    assertMutualIdentity(c.localPort(), A4, B4);
  }

  @Test
  void authorizedIpv6ClientReachesServerAndBothSidesSeeEachOther() throws Exception {
    Client.Attempt c = Client.connect(nodes.a.thread("client"), B6, PORT, CONNECT_MS);
    try {
      assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
    } finally {
      closeQuietly(c);
    }
    assertMutualIdentity(c.localPort(), A6, B6);
  }

  @Test
  void loopbackInsideOneNodeIsAuthenticatedToo() throws Exception {
    Client.Attempt c = Client.connect(nodes.b.thread("local"), InetAddress.getByName("127.0.0.1"), PORT, CONNECT_MS);
    closeQuietly(c);
    assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
    HandshakeEvent syn = nodes.b.awaitEvent(e -> e.kind() == Kind.SYN && e.peerPort() == c.localPort());
    assertThat(syn.action()).isEqualTo(Action.ALLOW);
    assertThat(syn.peerIdent()).isEqualTo(LOCAL);
    HandshakeEvent synAck = nodes.b.awaitEvent(e -> e.kind() == Kind.SYN_ACK && e.localPort() == c.localPort());
    assertThat(synAck.action()).isEqualTo(Action.ALLOW);
    assertThat(synAck.peerIdent()).isEqualTo(SERVER);
  }

  @Test
  void clientWithoutIdentityIsDroppedForMissingOption() throws Exception {
    Client.Attempt c = Client.connect(nodes.a.thread("plain"), B4, PORT, REFUSED_MS);
    closeQuietly(c);
    assertThat(c.connected()).isFalse();
    assertRefused(c.localPort(), Reason.MISSING_OPTION, Action.DENY);
  }

  @Test
  void unauthenticatedPeerPassesOnlyThroughACidrRule() throws Exception {
    nodes.b.datapath.setCidrRules(List.of(new CidrRule(SERVER_ID, 0, InetAddress.getByName("10.199.0.0"), 24, true)));
    Client.Attempt c = Client.connect(nodes.a.thread("plain"), B4, PORT, CONNECT_MS);
    closeQuietly(c);
    assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
    HandshakeEvent e = nodes.b.awaitEvent(ev -> ev.kind() == Kind.SYN && ev.peerPort() == c.localPort());
    assertThat(e.reason()).isEqualTo(Reason.UNAUTH_ALLOWED);
    assertThat(e.action()).isEqualTo(Action.ALLOW);
    assertThat(e.peerIdent()).isZero();
    assertThat(e.peerAddress()).isEqualTo(A4);

    // The whole set is replaced: without the rule the same peer is refused again.
    nodes.b.datapath.setCidrRules(List.of());
    Client.Attempt after = Client.connect(nodes.a.thread("plain"), B4, PORT, REFUSED_MS);
    closeQuietly(after);
    assertThat(after.connected()).isFalse();
    assertRefused(after.localPort(), Reason.MISSING_OPTION, Action.DENY);
  }

  @Test
  void cidrRuleForOnePortAdmitsUnauthenticatedPeersOnThatPortOnly() throws Exception {
    nodes.b.datapath.setCidrRules(List.of(new CidrRule(SERVER_ID, PORT, InetAddress.getByName("10.199.0.0"), 24,
        true)));
    Client.Attempt listed = Client.connect(nodes.a.thread("plain"), B4, PORT, CONNECT_MS);
    closeQuietly(listed);
    assertThat(listed.connected()).as("connect: %s", listed.failure()).isTrue();
    assertThat(nodes.b.awaitEvent(ev -> ev.kind() == Kind.SYN && ev.peerPort() == listed.localPort()).reason())
        .isEqualTo(Reason.UNAUTH_ALLOWED);

    // Same workload (the server listens on both ports), same peer, another port.
    Client.Attempt other = Client.connect(nodes.a.thread("plain"), B4, OTHER_PORT, REFUSED_MS);
    closeQuietly(other);
    assertThat(other.connected()).isFalse();
    HandshakeEvent e = assertRefused(other.localPort(), Reason.MISSING_OPTION, Action.DENY);
    assertThat(e.localPort()).isEqualTo(OTHER_PORT);
  }

  @Test
  void cidrRuleOfOneWorkloadLeavesAnotherWorkloadOfTheSameNodeClosed() throws Exception {
    // Every port of SERVER is open to the subnet; LOCAL (identity 201) listens on B too.
    nodes.b.datapath.setCidrRules(List.of(new CidrRule(SERVER_ID, 0, InetAddress.getByName("10.199.0.0"), 24, true)));
    Client.Attempt server = Client.connect(nodes.a.thread("plain"), B4, OTHER_PORT, CONNECT_MS);
    closeQuietly(server);
    assertThat(server.connected()).as("connect: %s", server.failure()).isTrue();

    Client.Attempt c = Client.connect(nodes.a.thread("plain"), B4, LOCAL_LISTENER_PORT, REFUSED_MS);
    closeQuietly(c);
    assertThat(c.connected()).isFalse();
    HandshakeEvent e = assertRefused(c.localPort(), Reason.MISSING_OPTION, Action.DENY);
    assertThat(e.localIdent()).isEqualTo(LOCAL);
    assertThat(e.cgroupId()).isEqualTo(nodes.b.cgroupId("local"));
  }

  @Test
  void ipv6CidrRulesMatchIpv6PeersAndTheLongestPrefixDecides() throws Exception {
    BitSet port = new BitSet();
    port.set(PORT);
    InetAddress subnet = InetAddress.getByName("fd00:199::");
    nodes.b.datapath.setCidrRules(CidrRule.forDestination(SERVER_ID, List.of(new CidrRule.PrefixPorts(subnet, 64, port))));
    Client.Attempt v6 = Client.connect(nodes.a.thread("plain"), B6, PORT, CONNECT_MS);
    closeQuietly(v6);
    assertThat(v6.connected()).as("connect: %s", v6.failure()).isTrue();
    HandshakeEvent allowed = nodes.b.awaitEvent(ev -> ev.kind() == Kind.SYN && ev.peerPort() == v6.localPort());
    assertThat(allowed.reason()).isEqualTo(Reason.UNAUTH_ALLOWED);
    assertThat(allowed.peerAddress()).isEqualTo(A6);

    // The same client over IPv4: no IPv4 prefix, refused.
    Client.Attempt v4 = Client.connect(nodes.a.thread("plain"), B4, PORT, REFUSED_MS);
    closeQuietly(v4);
    assertThat(v4.connected()).isFalse();
    assertRefused(v4.localPort(), Reason.MISSING_OPTION, Action.DENY);

    // A longer prefix refusing every port wins over the subnet's.
    nodes.b.datapath.setCidrRules(CidrRule.forDestination(SERVER_ID, List.of(new CidrRule.PrefixPorts(subnet, 64, port),
        new CidrRule.PrefixPorts(A6, 128, new BitSet()))));
    Client.Attempt host = Client.connect(nodes.a.thread("plain"), B6, PORT, REFUSED_MS);
    closeQuietly(host);
    assertThat(host.connected()).isFalse();
    assertRefused(host.localPort(), Reason.MISSING_OPTION, Action.DENY);
  }

  @Test
  void monitorModeReportsWouldDenyForUnauthenticatedPeersOutsideTheCidrRules() throws Exception {
    nodes.b.datapath.setMode(nodes.b.cgroupId("server"), WorkloadMode.MONITOR);
    nodes.b.datapath.setCidrRules(List.of(new CidrRule(SERVER_ID, PORT, InetAddress.getByName("10.199.0.0"), 24,
        true)));
    Client.Attempt listed = Client.connect(nodes.a.thread("plain"), B4, PORT, CONNECT_MS);
    Client.Attempt other = Client.connect(nodes.a.thread("plain"), B4, OTHER_PORT, CONNECT_MS);
    closeQuietly(listed);
    closeQuietly(other);
    assertThat(listed.connected()).as("connect: %s", listed.failure()).isTrue();
    assertThat(other.connected()).as("monitor mode passes: %s", other.failure()).isTrue();
    HandshakeEvent allowed = nodes.b.awaitEvent(ev -> ev.kind() == Kind.SYN && ev.peerPort() == listed.localPort());
    assertThat(allowed.reason()).isEqualTo(Reason.UNAUTH_ALLOWED);
    assertThat(allowed.action()).isEqualTo(Action.ALLOW);
    assertRefused(other.localPort(), Reason.MISSING_OPTION, Action.WOULD_DENY);
  }

  @Test
  void forgedTagIsDropped() throws Exception {
    // A signs with a key B never derived: exactly what a forger without the pairwise key does.
    NodeKeyPair stranger = NodeKeyPair.generate();
    PairwiseKeys real = PairwiseKeys.derive(nodes.a.keys, TwoNodes.NODE_A, nodes.b.keys.publicKey(),
        TwoNodes.NODE_B, TwoNodes.EPOCH);
    PairwiseKeys forged = PairwiseKeys.derive(stranger, TwoNodes.NODE_A, nodes.b.keys.publicKey(),
        TwoNodes.NODE_B, TwoNodes.EPOCH);
    nodes.a.datapath.setPeerKeys(new PairwiseKeys(TwoNodes.NODE_B, TwoNodes.EPOCH, forged.tx(), real.rx()));

    Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, PORT, REFUSED_MS);
    closeQuietly(c);
    assertThat(c.connected()).isFalse();
    assertRefused(c.localPort(), Reason.BAD_TAG, Action.DENY);
  }

  @Test
  void unknownKeyEpochIsDropped() throws Exception {
    // A moves to epoch 9 before B has its keys.
    nodes.a.datapath.setPeerKeys(PairwiseKeys.derive(nodes.a.keys, TwoNodes.NODE_A, nodes.b.keys.publicKey(),
        TwoNodes.NODE_B, 9));
    nodes.a.datapath.setTransmitEpoch(9);

    Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, PORT, REFUSED_MS);
    closeQuietly(c);
    assertThat(c.connected()).isFalse();
    HandshakeEvent e = assertRefused(c.localPort(), Reason.BAD_EPOCH, Action.DENY);
    assertThat(e.keyId()).isEqualTo(9);
  }

  @Test
  void aHostEntryWinsOverACoveringPrefixAndItsRemovalFallsBackToThePrefix() throws Exception {
    // Host entries (peer_hosts) and shorter prefixes (peer_nodes) are two tables: the longest
    // match must still win. Node 3 covers B's /24 and has no key on node A.
    InetAddress net = InetAddress.getByName("10.199.0.0");
    nodes.a.datapath.setPeerNode(net, 24, 3);
    try {
      Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, PORT, CONNECT_MS);
      closeQuietly(c);
      assertThat(c.connected()).as("signed with node B's key: %s", c.failure()).isTrue();

      long noKey = nodes.a.datapath.counters().get(Counter.NO_KEY);
      nodes.a.datapath.removePeerNode(B4, 32);
      Client.Attempt after = Client.connect(nodes.a.thread("client"), B4, PORT, REFUSED_MS);
      closeQuietly(after);
      assertThat(after.connected()).isFalse();
      assertRefused(after.localPort(), Reason.MISSING_OPTION, Action.DENY);
      assertThat(nodes.a.datapath.counters().get(Counter.NO_KEY)).isGreaterThan(noKey);
    } finally {
      nodes.a.datapath.removePeerNode(net, 24);
    }
  }

  @Test
  void identityNotHostedBySendingNodeIsDropped() throws Exception {
    // B's directory says CLIENT lives on node 3: node A signing for it is claiming a foreign identity.
    nodes.b.datapath.setBinding(CLIENT, CLIENT_ID, 3);

    Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, PORT, REFUSED_MS);
    closeQuietly(c);
    assertThat(c.connected()).isFalse();
    assertRefused(c.localPort(), Reason.NOT_HOSTED, Action.DENY);
  }

  @Test
  void deniedPairIsDropped() throws Exception {
    nodes.b.datapath.setVerdicts(List.of(new VerdictRule(TwoNodes.LOCAL_ID, SERVER_ID, PORT, true)));

    Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, PORT, REFUSED_MS);
    closeQuietly(c);
    assertThat(c.connected()).isFalse();
    HandshakeEvent e = assertRefused(c.localPort(), Reason.DENIED_PAIR, Action.DENY);
    assertThat(e.peerIdentity()).isEqualTo(CLIENT_ID);
  }

  @Test
  void deniedPortIsDropped() throws Exception {
    Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, OTHER_PORT, REFUSED_MS);
    closeQuietly(c);
    assertThat(c.connected()).isFalse();
    HandshakeEvent e = assertRefused(c.localPort(), Reason.DENIED_PORT, Action.DENY);
    assertThat(e.localPort()).isEqualTo(OTHER_PORT);
  }

  @Test
  void monitorModePassesAndReportsWouldDeny() throws Exception {
    nodes.b.datapath.setMode(nodes.b.cgroupId("server"), WorkloadMode.MONITOR);

    Client.Attempt plain = Client.connect(nodes.a.thread("plain"), B4, PORT, CONNECT_MS);
    Client.Attempt port = Client.connect(nodes.a.thread("client"), B4, OTHER_PORT, CONNECT_MS);
    closeQuietly(plain);
    closeQuietly(port);
    assertThat(plain.connected()).as("connect: %s", plain.failure()).isTrue();
    assertThat(port.connected()).as("connect: %s", port.failure()).isTrue();
    assertRefused(plain.localPort(), Reason.MISSING_OPTION, Action.WOULD_DENY);
    assertRefused(port.localPort(), Reason.DENIED_PORT, Action.WOULD_DENY);
    assertThat(nodes.b.datapath.counters().get(Counter.WOULD_DENY)).isGreaterThanOrEqualTo(2);
    // The SYN passed without being allowed, so the SYN-ACK is signed from the SYN read back and
    // the listener's identity: the server still proves who it is (A then applies its own policy).
    HandshakeEvent atClient = nodes.a.awaitEvent(e -> e.kind() == Kind.SYN_ACK && e.localPort() == port.localPort());
    assertThat(atClient.peerIdent()).isEqualTo(SERVER);
    assertThat(atClient.reason()).isEqualTo(Reason.DENIED_PORT);
  }

  @Test
  void aClientWhoseNodeHasNoRuleForThePairAcceptsAnAuthenticatedServer() throws Exception {
    // Policies protect the server; its node (B) holds the rule. A, the client's node, has none
    // for the pair: its check of the SYN-ACK is authentication alone, even in enforce mode with
    // mutual authentication required.
    nodes.a.datapath.setVerdicts(List.of());
    nodes.a.datapath.setMode(nodes.a.cgroupId("client"), WorkloadMode.ENFORCE_MUTUAL);
    Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, PORT, CONNECT_MS);
    closeQuietly(c);
    assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
    assertMutualIdentity(c.localPort(), A4, B4);
  }

  @Test
  void aListenerOpenedBeforeItsWorkloadHadAnIdentityAnswersWithFp1OnceItHasOne() throws Exception {
    // The option callbacks are a listener's flags, set at listen() and not settable later: the
    // workload of LOCAL listens while it has no identity yet, then gets one.
    int port = LOCAL_LISTENER_PORT + 1;
    nodes.b.datapath.removeLocalIdentity(nodes.b.cgroupId("local"));
    try (SinkServer late = SinkServer.listen(nodes.b.thread("local"), null, port)) {
      nodes.b.datapath.setLocalIdentity(nodes.b.cgroupId("local"), TwoNodes.LOCAL, TwoNodes.LOCAL_ID);
      for (TwoNodes.Node n : List.of(nodes.a, nodes.b)) {
        n.datapath.setVerdicts(List.of(new VerdictRule(CLIENT_ID, TwoNodes.LOCAL_ID, port, true)));
      }
      nodes.a.datapath.setMode(nodes.a.cgroupId("client"), WorkloadMode.ENFORCE_MUTUAL);
      Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, port, CONNECT_MS);
      closeQuietly(c);
      assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
      HandshakeEvent atClient = nodes.a.awaitEvent(e -> e.kind() == Kind.SYN_ACK && e.localPort() == c.localPort());
      assertThat(atClient.peerIdent()).isEqualTo(TwoNodes.LOCAL);
      assertThat(atClient.reason()).isEqualTo(Reason.OK);
    }
  }

  @Test
  void clientRequiringMutualAuthenticationRefusesServerWithoutOption() throws Exception {
    Client.Attempt before = Client.connect(nodes.a.thread("client"), B4, PLAIN_PORT, CONNECT_MS);
    closeQuietly(before);
    assertThat(before.connected()).as("without mutual mode an unauthenticated server is reachable").isTrue();

    nodes.a.datapath.setMode(nodes.a.cgroupId("client"), WorkloadMode.ENFORCE_MUTUAL);
    Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, PLAIN_PORT, REFUSED_MS);
    closeQuietly(c);
    assertThat(c.connected()).isFalse();
    HandshakeEvent e = nodes.a.awaitEvent(ev -> ev.kind() == Kind.SYN_ACK && ev.localPort() == c.localPort());
    assertThat(e.action()).isEqualTo(Action.DENY);
    assertThat(e.reason()).isEqualTo(Reason.MISSING_OPTION);
  }

  @Test
  void establishedConnectionTriggersNoCallbackOverAMultiMegabyteTransfer() throws Exception {
    Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, PORT, CONNECT_MS);
    try {
      assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
      // Let the server side finish its handshake callbacks (accept queue, established).
      nodes.b.awaitEvent(e -> e.kind() == Kind.SYN && e.peerPort() == c.localPort());
      Thread.yield();
      long aBefore = nodes.a.datapath.counters().get(Counter.SOCKOPS_CALLS);
      long bBefore = nodes.b.datapath.counters().get(Counter.SOCKOPS_CALLS);
      long written = 32L << 20;
      // The sink answers after reading everything: the whole transfer happens before this returns.
      assertThat(Client.transfer(c.socket(), written)).isEqualTo(written);
      long aAfter = nodes.a.datapath.counters().get(Counter.SOCKOPS_CALLS);
      long bAfter = nodes.b.datapath.counters().get(Counter.SOCKOPS_CALLS);
      assertThat(aAfter - aBefore).as("sockops calls on A during 32 MiB").isZero();
      assertThat(bAfter - bBefore).as("sockops calls on B during 32 MiB").isZero();
      assertThat(nodes.a.datapath.counters().get(Counter.SOCKOPS_OTHER)).isZero();
    } finally {
      closeQuietly(c);
    }
  }

  @Test
  void keyRotationUnderContinuousConnectionsLosesNoConnection() throws Exception {
    java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    NodeThread client = nodes.a.thread("client");
    Thread load = new Thread(() -> {
      try {
        client.call(() -> {
          // Bounded: until the rotation is done, at most 60 s or 20000 connections (fewer than the
          // ephemeral ports TIME_WAIT can hold; a fast datapath does 3000 in half a second).
          long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
          for (int i = 0; i < 20_000 && !stop.get() && System.nanoTime() < deadline; i++) {
            try (java.net.Socket s = new java.net.Socket()) {
              s.connect(new java.net.InetSocketAddress(B4, PORT), 3_000);
              ok.incrementAndGet();
            } catch (java.io.IOException e) {
              failed.incrementAndGet();
            }
          }
          return null;
        });
      } catch (Exception e) {
        failed.incrementAndGet();
      }
    }, "rotation-load");
    load.start();
    int next = 2;
    Runnable settle = () -> {
      int target = ok.get() + 25;
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
          .until(() -> ok.get() >= target || failed.get() > 0);
    };
    try {
      settle.run();
      // 1. Everyone learns the next epoch. 2. Senders switch one node at a time. 3. The old epoch goes.
      for (TwoNodes.Node n : List.of(nodes.a, nodes.b)) {
        for (TwoNodes.Node peer : List.of(nodes.a, nodes.b)) {
          n.datapath.setPeerKeys(PairwiseKeys.derive(n.keys, n.index, peer.keys.publicKey(), peer.index, next));
        }
      }
      settle.run();
      nodes.a.datapath.setTransmitEpoch(next);
      settle.run();
      nodes.b.datapath.setTransmitEpoch(next);
      settle.run();
      for (TwoNodes.Node n : List.of(nodes.a, nodes.b)) {
        for (TwoNodes.Node peer : List.of(nodes.a, nodes.b)) {
          n.datapath.removePeerKeys(peer.index, TwoNodes.EPOCH);
        }
      }
      settle.run();
    } finally {
      stop.set(true);
      load.join(30_000);
    }
    assertThat(failed.get()).as("failed connections during rotation").isZero();
    assertThat(ok.get()).isGreaterThanOrEqualTo(125);
    nodes.b.awaitEvent(e -> e.kind() == Kind.SYN && e.keyId() == TwoNodes.EPOCH);
    nodes.b.awaitEvent(e -> e.kind() == Kind.SYN && e.keyId() == next);
    nodes.a.awaitEvent(e -> e.kind() == Kind.SYN_ACK && e.keyId() == next);
    assertThat(nodes.b.events).noneMatch(e -> e.action() != Action.ALLOW);
    assertThat(nodes.a.events).noneMatch(e -> e.action() != Action.ALLOW);
  }

  @Test
  void aRetransmittedSynIsSignedAndAVerdictUpdateDecidesIt() throws Exception {
    // The pair starts denied: the first SYN is dropped. The verdict arrives while the client waits;
    // the SYN retransmitted from the kernel's timer (softirq, signed from the connecting table)
    // passes.
    nodes.b.datapath.setVerdicts(List.of(new VerdictRule(TwoNodes.LOCAL_ID, SERVER_ID, PORT, true)));
    java.util.concurrent.CompletableFuture<Client.Attempt> pending = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> {
          try {
            return Client.connect(nodes.a.thread("client"), B4, PORT, 8_000);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    HandshakeEvent denied = nodes.b.awaitEvent(e -> e.kind() == Kind.SYN && e.peerIdent() == CLIENT
        && e.action() == Action.DENY);
    assertThat(denied.reason()).isEqualTo(Reason.DENIED_PAIR);
    nodes.b.datapath.setVerdicts(List.of(new VerdictRule(CLIENT_ID, SERVER_ID, PORT, true)));
    Client.Attempt c = pending.get(20, java.util.concurrent.TimeUnit.SECONDS);
    closeQuietly(c);
    assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
    assertThat(denied.peerPort()).isEqualTo(c.localPort());
    HandshakeEvent allowed = nodes.b.awaitEvent(e -> e.kind() == Kind.SYN && e.peerPort() == c.localPort()
        && e.action() == Action.ALLOW);
    assertThat(allowed.reason()).isEqualTo(Reason.OK);
    assertThat(nodes.a.datapath.counters().get(Counter.OPTION_WRITTEN_SYN)).isGreaterThanOrEqualTo(2);
  }

  @Test
  void mutualClientGetsASignedSynAckAfterTheFirstOneIsLost() throws Exception {
    // A's first check of the SYN-ACK fails (wrong receive key), so A drops it. The request timer's
    // retransmission carries no FP1 (the SYN is not saved) and a mutual client drops that too; the
    // answer to A's retransmitted SYN is signed again (the SYN this CPU just verified).
    PairwiseKeys real = PairwiseKeys.derive(nodes.a.keys, TwoNodes.NODE_A, nodes.b.keys.publicKey(),
        TwoNodes.NODE_B, TwoNodes.EPOCH);
    PairwiseKeys wrongRx = PairwiseKeys.derive(NodeKeyPair.generate(), TwoNodes.NODE_A, nodes.b.keys.publicKey(),
        TwoNodes.NODE_B, TwoNodes.EPOCH);
    nodes.a.datapath.setPeerKeys(new PairwiseKeys(TwoNodes.NODE_B, TwoNodes.EPOCH, real.tx(), wrongRx.rx()));
    nodes.a.datapath.setMode(nodes.a.cgroupId("client"), WorkloadMode.ENFORCE_MUTUAL);
    java.util.concurrent.CompletableFuture<Client.Attempt> pending = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> {
          try {
            return Client.connect(nodes.a.thread("client"), B4, PORT, 10_000);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    HandshakeEvent lost = nodes.a.awaitEvent(e -> e.kind() == Kind.SYN_ACK && e.action() == Action.DENY
        && e.reason() == Reason.BAD_TAG);
    nodes.a.datapath.setPeerKeys(real);
    Client.Attempt c = pending.get(20, java.util.concurrent.TimeUnit.SECONDS);
    closeQuietly(c);
    assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
    HandshakeEvent accepted = nodes.a.awaitEvent(e -> e.kind() == Kind.SYN_ACK && e.localPort() == c.localPort()
        && e.action() == Action.ALLOW);
    assertThat(accepted.reason()).isEqualTo(Reason.OK);
    assertThat(accepted.peerIdent()).isEqualTo(SERVER);
    assertThat(lost.localPort()).isEqualTo(c.localPort());
  }

  @Test
  void aSynAckSentAsASyncookieIsStillSignedAndCounted() throws Exception {
    // tcp_syncookies=2: every SYN-ACK of node B is a syncookie (no request socket is kept).
    Commands.run("ip", "netns", "exec", nodes.b.name, "sysctl", "-qw", "net.ipv4.tcp_syncookies=2");
    try {
      nodes.a.datapath.setMode(nodes.a.cgroupId("client"), WorkloadMode.ENFORCE_MUTUAL);
      long before = nodes.b.datapath.counters().get(Counter.SYNACK_COOKIE);
      Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, PORT, CONNECT_MS);
      closeQuietly(c);
      assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
      HandshakeEvent e = nodes.a.awaitEvent(ev -> ev.kind() == Kind.SYN_ACK && ev.localPort() == c.localPort());
      assertThat(e.action()).isEqualTo(Action.ALLOW);
      assertThat(e.reason()).isEqualTo(Reason.OK);
      assertThat(nodes.b.datapath.counters().get(Counter.SYNACK_COOKIE)).isGreaterThan(before);
    } finally {
      Commands.run("ip", "netns", "exec", nodes.b.name, "sysctl", "-qw", "net.ipv4.tcp_syncookies=1");
    }
  }

  @Test
  void allowedHandshakesAreSampledWhileRefusalsAreAlwaysReported() throws Exception {
    nodes.reopen(nodes.b, nodes.initialConfig(nodes.b).withAllowedEventInterval(java.time.Duration.ofMinutes(5)));
    try {
      for (int i = 0; i < 3; i++) {
        Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, PORT, CONNECT_MS);
        closeQuietly(c);
        assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
      }
      Client.Attempt refused1 = Client.connect(nodes.a.thread("plain"), B4, PORT, 300);
      Client.Attempt refused2 = Client.connect(nodes.a.thread("plain"), B4, PORT, 300);
      assertRefused(refused1.localPort(), Reason.MISSING_OPTION, Action.DENY);
      assertRefused(refused2.localPort(), Reason.MISSING_OPTION, Action.DENY);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
          .until(() -> nodes.b.datapath.counters().get(Counter.EVENTS_SAMPLED) >= 2);
      assertThat(nodes.b.events.stream().filter(e -> e.kind() == Kind.SYN && e.action() == Action.ALLOW
          && e.peerIdent() == CLIENT).count()).as("ALLOW events of one pair within the interval").isEqualTo(1);
      assertThat(nodes.b.datapath.counters().get(Counter.ALLOWED)).isGreaterThanOrEqualTo(3);
    } finally {
      nodes.reopen(nodes.b, nodes.initialConfig(nodes.b));
    }
  }

  private static void assertMutualIdentity(int clientPort, InetAddress client, InetAddress serverAddr) {
    HandshakeEvent atServer = nodes.b.awaitEvent(e -> e.kind() == Kind.SYN && e.peerPort() == clientPort);
    assertThat(atServer.action()).isEqualTo(Action.ALLOW);
    assertThat(atServer.reason()).isEqualTo(Reason.OK);
    assertThat(atServer.localIdent()).isEqualTo(SERVER);
    assertThat(atServer.peerIdent()).isEqualTo(CLIENT);
    assertThat(atServer.peerIdentity()).isEqualTo(CLIENT_ID);
    assertThat(atServer.peerAddress()).isEqualTo(client);
    assertThat(atServer.localAddress()).isEqualTo(serverAddr);
    assertThat(atServer.localPort()).isEqualTo(PORT);

    HandshakeEvent atClient = nodes.a.awaitEvent(e -> e.kind() == Kind.SYN_ACK && e.localPort() == clientPort);
    assertThat(atClient.action()).isEqualTo(Action.ALLOW);
    assertThat(atClient.reason()).isEqualTo(Reason.OK);
    assertThat(atClient.localIdent()).isEqualTo(CLIENT);
    assertThat(atClient.peerIdent()).isEqualTo(SERVER);
    assertThat(atClient.peerIdentity()).isEqualTo(SERVER_ID);
    assertThat(atClient.peerAddress()).isEqualTo(serverAddr);
    assertThat(atClient.peerPort()).isEqualTo(PORT);
  }

  private static HandshakeEvent assertRefused(int clientPort, Reason reason, Action action) {
    HandshakeEvent e = nodes.b.awaitEvent(ev -> ev.kind() == Kind.SYN && ev.peerPort() == clientPort);
    assertThat(e.reason()).isEqualTo(reason);
    assertThat(e.action()).isEqualTo(action);
    return e;
  }

  private static void closeQuietly(Client.Attempt c) {
    if (c.socket() != null) {
      try {
        c.socket().close();
      } catch (java.io.IOException e) {
        // closing a test connection; nothing to do
      }
    }
  }
}
