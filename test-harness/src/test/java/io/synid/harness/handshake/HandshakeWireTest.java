package io.synid.harness.handshake;

import static io.synid.harness.handshake.TwoNodes.A4;
import static io.synid.harness.handshake.TwoNodes.B4;
import static io.synid.harness.handshake.TwoNodes.CLIENT;
import static io.synid.harness.handshake.TwoNodes.PORT;
import static io.synid.harness.handshake.TwoNodes.SERVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.synid.handshake.Fp1Option;
import io.synid.handshake.Fp1Tag;
import io.synid.handshake.HandshakeEvent;
import io.synid.handshake.HandshakeEvent.Action;
import io.synid.handshake.HandshakeEvent.Kind;
import io.synid.handshake.PairwiseKeys;
import io.synid.handshake.Reason;
import io.synid.handshake.TcpHandshake;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * FP1 on the wire: captured from a real veth, recomputed in Java, and forged by hand. This is where
 * Java and the kernel are shown to compute the same tag bit for bit, in both directions.
 */
@Timeout(120)
class HandshakeWireTest extends OnTwoNodes {

  @BeforeAll
  static void start() throws Exception {
    nodes = TwoNodes.start();
    nodes.closeLater(SinkServer.listen(nodes.b.thread("server"), null, PORT));
  }

  private static PairwiseKeys keysAtA() {
    return PairwiseKeys.derive(nodes.a.keys, TwoNodes.NODE_A, nodes.b.keys.publicKey(), TwoNodes.NODE_B,
        TwoNodes.EPOCH);
  }

  @Test
  void optionIsOnTheSynAndSynAckOnlyAndItsTagsAreTheJavaTags() throws Exception {
    List<PacketCapture.Segment> segments;
    int clientPort;
    try (PacketCapture capture = PacketCapture.start(nodes.b.thread("outside"), "veth0")) {
      Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, PORT, 5_000);
      assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
      clientPort = c.localPort();
      try (var s = c.socket()) {
        assertThat(Client.transfer(s, 1 << 20)).isEqualTo(1 << 20);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> capture.tcpSegments().stream()
          .filter(seg -> seg.srcPort() == PORT && seg.dstPort() == clientPort && (seg.flags() & 0x01) != 0)
          .count() > 0);
      segments = capture.tcpSegments().stream()
          .filter(s -> (s.srcPort() == clientPort && s.dstPort() == PORT)
              || (s.srcPort() == PORT && s.dstPort() == clientPort))
          .toList();
    }

    assertThat(segments.size()).as("segments of the connection").isGreaterThan(10);
    PacketCapture.Segment syn = null;
    PacketCapture.Segment synAck = null;
    for (PacketCapture.Segment s : segments) {
      if (s.syn() && !s.ackFlag()) {
        syn = s;
        assertThat(s.fp1()).as("FP1 in the SYN").isPresent();
      } else if (s.syn()) {
        synAck = s;
        assertThat(s.fp1()).as("FP1 in the SYN-ACK").isPresent();
      } else {
        assertThat(s.fp1()).as("FP1 in a segment after the handshake (flags %x)", s.flags()).isEmpty();
      }
    }
    assertThat(syn).isNotNull();
    assertThat(synAck).isNotNull();

    Fp1Option synOption = syn.fp1().orElseThrow();
    assertThat(synOption.responder()).isFalse();
    assertThat(synOption.ident()).isEqualTo(CLIENT);
    assertThat(synOption.keyId()).isEqualTo(TwoNodes.EPOCH);
    TcpHandshake h = new TcpHandshake(A4, clientPort, B4, PORT, syn.seq(), synAck.seq());
    assertThat(Fp1Tag.syn(keysAtA().tx(), synOption, h)).as("kernel SYN tag vs Java").isEqualTo(synOption.tag());

    Fp1Option ackOption = synAck.fp1().orElseThrow();
    assertThat(ackOption.responder()).isTrue();
    assertThat(ackOption.ident()).isEqualTo(SERVER);
    assertThat(Fp1Tag.synAck(keysAtA().rx(), ackOption, h, CLIENT)).as("kernel SYN-ACK tag vs Java")
        .isEqualTo(ackOption.tag());
  }

  @Test
  void aSynSignedInJavaIsAcceptedByTheKernel() throws Exception {
    int port = freshPort();
    int isn = ThreadLocalRandom.current().nextInt();
    sendSigned(port, isn, RawSyn.ts16Now());
    HandshakeEvent e = nodes.b.awaitEvent(ev -> ev.kind() == Kind.SYN && ev.peerPort() == port);
    assertThat(e.reason()).isEqualTo(Reason.OK);
    assertThat(e.action()).isEqualTo(Action.ALLOW);
    assertThat(e.peerIdent()).isEqualTo(CLIENT);
  }

  @Test
  void anOptionThatIsNotLastIsFoundByTheOptionScan() throws Exception {
    // The kernel reads FP1 from the end of the option list first (where sockops writes it); one
    // followed by other options is found option by option.
    int port = freshPort();
    int isn = ThreadLocalRandom.current().nextInt();
    byte[] fp1 = signed(port, isn, RawSyn.ts16Now()).encode();
    byte[] options = java.util.Arrays.copyOf(fp1, fp1.length + 4);
    java.util.Arrays.fill(options, fp1.length, options.length, (byte) 1); // NOPs after FP1
    RawSyn.send(nodes.a.thread("outside"), (Inet4Address) A4, port, (Inet4Address) B4, PORT, isn, options);
    HandshakeEvent e = nodes.b.awaitEvent(ev -> ev.kind() == Kind.SYN && ev.peerPort() == port);
    assertThat(e.reason()).isEqualTo(Reason.OK);
    assertThat(e.peerIdent()).isEqualTo(CLIENT);
  }

  @Test
  void malformedOptionListsAreDropped() throws Exception {
    int isn = ThreadLocalRandom.current().nextInt();
    byte[] fp1 = signed(freshPort(), isn, RawSyn.ts16Now()).encode();
    // FP1 claiming 19 bytes (padded with a NOP): found by kind and ExID, wrong length.
    byte[] shortFp1 = java.util.Arrays.copyOf(fp1, 20);
    shortFp1[1] = 19;
    shortFp1[19] = 1;
    // An option whose length runs past the end of the list.
    byte[] overrun = {8, 10, 0, 0};
    for (byte[] options : List.of(shortFp1, overrun)) {
      int port = freshPort();
      RawSyn.send(nodes.a.thread("outside"), (Inet4Address) A4, port, (Inet4Address) B4, PORT, isn, options);
      HandshakeEvent e = nodes.b.awaitEvent(ev -> ev.kind() == Kind.SYN && ev.peerPort() == port);
      assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
      assertThat(e.action()).isEqualTo(Action.DENY);
    }
  }

  @Test
  void aTimestampOutsideTheWindowIsDropped() throws Exception {
    int port = freshPort();
    sendSigned(port, ThreadLocalRandom.current().nextInt(), (RawSyn.ts16Now() - 1000) & 0xffff);
    HandshakeEvent e = nodes.b.awaitEvent(ev -> ev.kind() == Kind.SYN && ev.peerPort() == port);
    assertThat(e.reason()).isEqualTo(Reason.STALE_TS);
    assertThat(e.action()).isEqualTo(Action.DENY);
  }

  @Test
  void anOptionReplayedFromACapturedSynOntoAnotherConnectionIsDropped() throws Exception {
    Fp1Option captured;
    int originalPort;
    try (PacketCapture capture = PacketCapture.start(nodes.b.thread("outside"), "veth0")) {
      Client.Attempt c = Client.connect(nodes.a.thread("client"), B4, PORT, 5_000);
      assertThat(c.connected()).as("connect: %s", c.failure()).isTrue();
      c.socket().close();
      originalPort = c.localPort();
      await().atMost(Duration.ofSeconds(5)).until(() -> capture.tcpSegments().stream()
          .anyMatch(s -> s.syn() && !s.ackFlag() && s.srcPort() == originalPort));
      PacketCapture.Segment syn = capture.tcpSegments().stream()
          .filter(s -> s.syn() && !s.ackFlag() && s.srcPort() == originalPort).findFirst().orElseThrow();
      captured = syn.fp1().orElseThrow();
    }
    nodes.b.awaitEvent(ev -> ev.kind() == Kind.SYN && ev.peerPort() == originalPort && ev.action() == Action.ALLOW);

    // Same option bytes, same addresses, another port and ISN: the tag no longer matches.
    int port = freshPort();
    RawSyn.send(nodes.a.thread("outside"), (Inet4Address) A4, port, (Inet4Address) B4, PORT,
        ThreadLocalRandom.current().nextInt(), captured.encode());
    HandshakeEvent e = nodes.b.awaitEvent(ev -> ev.kind() == Kind.SYN && ev.peerPort() == port);
    assertThat(e.reason()).isEqualTo(Reason.BAD_TAG);
    assertThat(e.action()).isEqualTo(Action.DENY);
    assertThat(e.peerIdent()).isEqualTo(CLIENT);
  }

  private static void sendSigned(int port, int isn, int ts16) throws Exception {
    RawSyn.send(nodes.a.thread("outside"), (Inet4Address) A4, port, (Inet4Address) B4, PORT, isn,
        signed(port, isn, ts16).encode());
  }

  /** FP1 as node A signs a SYN from A4:{@code port} to B4:PORT. */
  private static Fp1Option signed(int port, int isn, int ts16) throws Exception {
    Fp1Option unsigned = new Fp1Option(false, TwoNodes.EPOCH, ts16, CLIENT, 0);
    TcpHandshake h = new TcpHandshake(A4, port, B4, PORT, isn, 0);
    return unsigned.withTag(Fp1Tag.syn(keysAtA().tx(), unsigned, h));
  }

  private static int freshPort() {
    // Above the default ephemeral range, so no real socket of the client namespace owns it.
    return 61_000 + ThreadLocalRandom.current().nextInt(4_000);
  }
}
