package io.synid.harness.handshake;

import static io.synid.harness.handshake.TwoNodes.B4;
import static io.synid.harness.handshake.TwoNodes.B6;
import static io.synid.harness.handshake.TwoNodes.CLIENT;
import static io.synid.harness.handshake.TwoNodes.CLIENT_ID;
import static io.synid.harness.handshake.TwoNodes.LOCAL;
import static io.synid.harness.handshake.TwoNodes.PORT;
import static io.synid.harness.handshake.TwoNodes.SERVER;
import static org.assertj.core.api.Assertions.assertThat;

import io.synid.handshake.CidrRule;
import io.synid.handshake.DatapathConfig;
import io.synid.handshake.HandshakeEvent;
import io.synid.handshake.HandshakeEvent.Action;
import io.synid.handshake.HandshakeEvent.Kind;
import io.synid.handshake.ProgramStats;
import io.synid.handshake.Reason;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The TC ingress variant: node B checks handshakes at TC ingress of its veth and loopback devices
 * (no cgroup_skb program on B at all), node A keeps cgroup_skb. The same decisions must come out.
 */
@Timeout(120)
class TcIngressTest extends OnTwoNodes {

  @BeforeAll
  static void start() throws Exception {
    nodes = TwoNodes.start(n -> {
      DatapathConfig c = DatapathConfig.failOpen(n.cgroup).withAllowedEventInterval(Duration.ZERO);
      return n.index == TwoNodes.NODE_B ? c.withTcIngress(List.of("veth0", "lo")) : c;
    });
    nodes.closeLater(SinkServer.listen(nodes.b.thread("server"), null, PORT));
  }

  @Test
  void onlyTheTcProgramChecksOnNodeBAndItSitsOnBothDevices() throws Exception {
    assertThat(nodes.b.datapath.programStats()).extracting(ProgramStats::program)
        .containsExactly("synid_sockops", "synid_tc_ingress");
    for (String device : List.of("veth0", "lo")) {
      assertThat(Commands.run("tc", "-n", nodes.b.name, "filter", "show", "dev", device, "ingress"))
          .as("filters on %s", device).contains("handle 0x5349").contains("synid_tc_ingres"); // names show 15 chars
    }
  }

  @Test
  void authorizedClientsOverVethAreCheckedAtTcAndSeeEachOther() throws Exception {
    for (InetAddress server : List.of(B4, B6)) {
      Client.Attempt c = Client.connect(nodes.a.thread("client"), server, PORT, 5_000);
      close(c);
      assertThat(c.connected()).as("connect to %s: %s", server, c.failure()).isTrue();
      HandshakeEvent syn = nodes.b.awaitEvent(e -> e.kind() == Kind.SYN && e.peerPort() == c.localPort());
      assertThat(syn.action()).isEqualTo(Action.ALLOW);
      assertThat(syn.reason()).isEqualTo(Reason.OK);
      assertThat(syn.peerIdent()).isEqualTo(CLIENT);
      assertThat(syn.peerIdentity()).isEqualTo(CLIENT_ID);
      assertThat(syn.localIdent()).isEqualTo(SERVER);
      assertThat(syn.cgroupId()).isEqualTo(nodes.b.cgroupId("server"));
      HandshakeEvent synAck = nodes.a.awaitEvent(e -> e.kind() == Kind.SYN_ACK && e.localPort() == c.localPort());
      assertThat(synAck.reason()).isEqualTo(Reason.OK);
      assertThat(synAck.peerIdent()).isEqualTo(SERVER);
    }
  }

  @Test
  void clientWithoutIdentityIsDroppedAtTc() throws Exception {
    Client.Attempt c = Client.connect(nodes.a.thread("plain"), B4, PORT, 1_500);
    close(c);
    assertThat(c.connected()).isFalse();
    HandshakeEvent e = nodes.b.awaitEvent(ev -> ev.kind() == Kind.SYN && ev.peerPort() == c.localPort());
    assertThat(e.reason()).isEqualTo(Reason.MISSING_OPTION);
    assertThat(e.action()).isEqualTo(Action.DENY);
  }

  @Test
  void cidrRulesAtTcAreThoseOfTheListeningWorkload() throws Exception {
    nodes.b.datapath.setCidrRules(List.of(new CidrRule(TwoNodes.SERVER_ID, PORT, InetAddress.getByName("10.199.0.0"),
        24, true)));
    Client.Attempt c = Client.connect(nodes.a.thread("plain"), B4, PORT, 5_000);
    close(c);
    assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
    HandshakeEvent e = nodes.b.awaitEvent(ev -> ev.kind() == Kind.SYN && ev.peerPort() == c.localPort());
    assertThat(e.reason()).isEqualTo(Reason.UNAUTH_ALLOWED);
    assertThat(e.localIdent()).isEqualTo(SERVER);
  }

  @Test
  void loopbackIsCheckedAtTheLoopbackDeviceInBothDirections() throws Exception {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    Client.Attempt c = Client.connect(nodes.b.thread("local"), loopback, PORT, 5_000);
    close(c);
    assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
    assertThat(nodes.b.awaitEvent(e -> e.kind() == Kind.SYN && e.peerPort() == c.localPort()).peerIdent())
        .isEqualTo(LOCAL);
    assertThat(nodes.b.awaitEvent(e -> e.kind() == Kind.SYN_ACK && e.localPort() == c.localPort()).peerIdent())
        .isEqualTo(SERVER);

    Client.Attempt plain = Client.connect(nodes.b.thread("plain"), loopback, PORT, 1_500);
    close(plain);
    assertThat(plain.connected()).isFalse();
    assertThat(nodes.b.awaitEvent(e -> e.kind() == Kind.SYN && e.peerPort() == plain.localPort()).reason())
        .isEqualTo(Reason.MISSING_OPTION);
  }

  @Test
  void closingAFailOpenDatapathRemovesItsFilters() throws Exception {
    DatapathConfig tc = nodes.initialConfig(nodes.b);
    try {
      nodes.reopen(nodes.b, tc.withTcIngress(List.of()));
      for (String device : List.of("veth0", "lo")) {
        assertThat(Commands.run("tc", "-n", nodes.b.name, "filter", "show", "dev", device, "ingress"))
            .as("filters on %s", device).doesNotContain("synid");
      }
    } finally {
      nodes.reopen(nodes.b, tc);
    }
  }

  private static void close(Client.Attempt c) throws Exception {
    if (c.socket() != null) {
      c.socket().close();
    }
  }
}
