package io.synid.harness.handshake;

import static io.synid.harness.handshake.TwoNodes.A4;
import static io.synid.harness.handshake.TwoNodes.A6;
import static io.synid.harness.handshake.TwoNodes.B4;
import static io.synid.harness.handshake.TwoNodes.B6;
import static io.synid.harness.handshake.TwoNodes.CLIENT;
import static io.synid.harness.handshake.TwoNodes.PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.synid.handshake.Counter;
import io.synid.handshake.DatapathException;
import io.synid.handshake.Fp1Option;
import io.synid.handshake.Fp1Tag;
import io.synid.handshake.HandshakeDatapath.IngressProgram;
import io.synid.handshake.HandshakeDatapath.TestRun;
import io.synid.handshake.HandshakeEvent;
import io.synid.handshake.HandshakeEvent.Action;
import io.synid.handshake.MalformedOptionException;
import io.synid.handshake.PairwiseKeys;
import io.synid.handshake.Reason;
import io.synid.handshake.TcpHandshake;
import io.synid.handshake.WorkloadMode;
import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The ingress programs on hand-made frames, through the kernel's test-run facility (no device, no
 * network): every signed bit of a SYN is bound by its tag, the option parser agrees with the Java
 * one on random option lists, random frames never make a program fail and never drop anything but a
 * SYN. The runs are on node B's server thread (its cgroup is the listening workload's) or, for the
 * TC program, on any thread of B's namespace, where the server listens on PORT.
 */
@Timeout(300)
class IngressProgramTest extends OnTwoNodes {

  /** Refusals of an option that was found and is not the valid one. */
  private static final Set<Reason> FORGED = Set.of(Reason.BAD_TAG, Reason.STALE_TS, Reason.BAD_EPOCH,
      Reason.BAD_ROLE, Reason.UNKNOWN_IDENT, Reason.NOT_HOSTED);

  private static PairwiseKeys derivedKeysAtA;

  @BeforeAll
  static void start() throws Exception {
    derivedKeysAtA = null;
    nodes = TwoNodes.start();
    nodes.closeLater(SinkServer.listen(nodes.b.thread("server"), null, PORT));
  }

  // ---- the tag binds every signed field ----

  @ParameterizedTest
  @EnumSource(IngressProgram.class)
  void everySignedBitOfASynIsBoundByItsTag(IngressProgram program) throws Exception {
    int seq = 0x1234_5678;
    byte[] frame = signedSyn(A4, 40_000, seq, Frames.SYN);
    assertThat(atB(program, frame).passed()).as("the signed SYN").isTrue();

    int tcp = Frames.tcpOffset(frame);
    List<int[]> fields = new ArrayList<>();
    fields.add(new int[] {tcp + Frames.TCP_HLEN + 4, 20}); // FP1, after the MSS option
    fields.add(new int[] {Frames.ETH_HLEN + 12, 4}); // source address
    fields.add(new int[] {tcp, 2}); // source port
    fields.add(new int[] {tcp + 4, 4}); // ISN
    if (program == IngressProgram.CGROUP_SKB) {
      // TC finds the workload by the destination: another one is another (or no) workload.
      fields.add(new int[] {Frames.ETH_HLEN + 16, 4}); // destination address
    }
    int flips = 0;
    for (int[] field : fields) {
      for (int bit = 0; bit < field[1] * 8; bit++) {
        byte[] forged = frame.clone();
        forged[field[0] + bit / 8] ^= (byte) (1 << (bit % 8));
        TestRun run = atB(program, forged);
        assertThat(run.passed()).as("bit %d of the field at byte %d flipped", bit, field[0]).isFalse();
        flips++;
      }
    }
    assertThat(flips).isEqualTo(program == IngressProgram.CGROUP_SKB ? 272 : 240);
  }

  // ---- flags ----

  @Test
  void aSynAckWithFinSetIsCheckedLikeAnyOther() throws Exception {
    // A SYN-SENT socket takes a SYN-ACK with FIN as its SYN-ACK and becomes established: passing
    // it unchecked would let an unauthenticated server past a client that requires mutual
    // authentication.
    nodes.a.datapath.setMode(nodes.a.cgroupId("client"), WorkloadMode.ENFORCE_MUTUAL);
    byte[] mss = {2, 4, 0x05, (byte) 0xb4};
    for (int flags : new int[] {Frames.SYN | Frames.ACK, Frames.SYN | Frames.ACK | Frames.FIN}) {
      byte[] synAck = Frames.tcp(B4, PORT, A4, 41_000 + flags, 7, 0x1234_5679, flags, mss);
      TestRun run = nodes.a.thread("client").call(() -> nodes.a.datapath.testRun(IngressProgram.CGROUP_SKB,
          synAck, 1));
      assertThat(run.passed()).as("SYN-ACK without FP1, flags %x", flags).isFalse();
      HandshakeEvent e = nodes.a.awaitEvent(ev -> ev.localPort() == 41_000 + flags);
      assertThat(e.reason()).isEqualTo(Reason.MISSING_OPTION);
    }
    byte[] reset = Frames.tcp(B4, PORT, A4, 41_100, 7, 0x1234_5679, Frames.SYN | Frames.ACK | Frames.RST, mss);
    assertThat(nodes.a.thread("client").call(() -> nodes.a.datapath.testRun(IngressProgram.CGROUP_SKB, reset, 1))
        .passed()).as("a SYN-ACK with RST resets at most").isTrue();
  }

  @Test
  void aSynWithFinSetIsCheckedAndPassesOnlyWithAValidOption() throws Exception {
    byte[] unsigned = Frames.tcp(A4, 42_000, B4, PORT, 9, 0, Frames.SYN | Frames.FIN, new byte[] {2, 4, 5, 0});
    assertThat(atB(IngressProgram.CGROUP_SKB, unsigned).passed()).isFalse();
    assertThat(nodes.b.awaitEvent(ev -> ev.peerPort() == 42_000).reason()).isEqualTo(Reason.MISSING_OPTION);
    assertThat(atB(IngressProgram.CGROUP_SKB, signedSyn(A4, 42_001, 9, Frames.SYN | Frames.FIN)).passed())
        .isTrue();
    byte[] reset = Frames.tcp(A4, 42_002, B4, PORT, 9, 0, Frames.SYN | Frames.RST, new byte[0]);
    assertThat(atB(IngressProgram.CGROUP_SKB, reset).passed()).isTrue();
  }

  // ---- IPv6 extension headers ----

  @ParameterizedTest
  @EnumSource(IngressProgram.class)
  void ipv6ExtensionHeadersAreWalkedToTheTcpHeader(IngressProgram program) throws Exception {
    byte[] hopByHop16 = new byte[16];
    hopByHop16[1] = 1; // (1 + 1) * 8 bytes
    byte[] firstFragment = new byte[8];
    byte[] laterFragment = {0, 0, 0, 8, 0, 0, 0, 1}; // offset 1 (8 bytes)
    byte[] destination8 = new byte[8];
    byte[] unsigned = Frames.tcp(A6, 43_000, B6, PORT, 5, 0, Frames.SYN, new byte[] {2, 4, 5, 0});
    byte[] signed = signedSyn(A6, 43_001, 5, Frames.SYN);
    Object[] chain = {0, hopByHop16, 44, firstFragment, 60, destination8};

    // The length of each header is its own, not the next one's.
    assertThat(atB(program, Frames.withIpv6Extensions(unsigned, chain)).passed()).as("unsigned").isFalse();
    assertThat(nodes.b.awaitEvent(e -> e.peerPort() == 43_000).reason()).isEqualTo(Reason.MISSING_OPTION);
    assertThat(atB(program, Frames.withIpv6Extensions(signed, chain)).passed()).as("signed").isTrue();
    // A later fragment does not start with a TCP header (cgroup_skb never sees one: reassembled).
    assertThat(atB(program, Frames.withIpv6Extensions(unsigned, 44, laterFragment)).passed()).isTrue();

    Object[] eight = new Object[16];
    for (int i = 0; i < 16; i += 2) {
      eight[i] = 60;
      eight[i + 1] = destination8;
    }
    byte[] behindEight = Frames.withIpv6Extensions(Frames.tcp(A6, 43_002, B6, PORT, 5, 0, Frames.SYN,
        new byte[] {2, 4, 5, 0}), eight);
    assertThat(atB(program, behindEight).passed()).as("unsigned behind 8 headers").isFalse();
    assertThat(nodes.b.awaitEvent(e -> e.peerPort() == 43_002).reason()).isEqualTo(Reason.MISSING_OPTION);

    // Linux delivers TCP behind any number of them: a chain longer than the walk is refused.
    Object[] nine = Arrays.copyOf(eight, 18);
    nine[16] = 60;
    nine[17] = destination8;
    long before = nodes.b.datapath.counters().get(Counter.HEADER_CHAIN);
    assertThat(atB(program, Frames.withIpv6Extensions(signed, nine)).passed()).as("behind 9 headers").isFalse();
    assertThat(nodes.b.datapath.counters().get(Counter.HEADER_CHAIN)).isEqualTo(before + 1);
    if (program == IngressProgram.CGROUP_SKB) {
      assertThat(nodes.b.awaitEvent(e -> e.peerAddress().equals(A6) && e.peerPort() == 0).reason())
          .isEqualTo(Reason.MALFORMED);
    }
  }

  // ---- the option parser against the Java one ----

  @ParameterizedTest
  @EnumSource(IngressProgram.class)
  void randomOptionListsOfSynsAreReadAsTheJavaParserReadsThem(IngressProgram program) throws Exception {
    compareWithJavaParser(program, false);
  }

  @Test
  void randomOptionListsOfSynAcksAreReadAsTheJavaParserReadsThem() throws Exception {
    // At A's client, which requires mutual authentication: a SYN-ACK without FP1 is refused too.
    // (Only cgroup_skb: TC would look for a connecting socket the hand-made SYN-ACKs do not have.)
    nodes.a.datapath.setMode(nodes.a.cgroupId("client"), WorkloadMode.ENFORCE_MUTUAL);
    compareWithJavaParser(IngressProgram.CGROUP_SKB, true);
  }

  /**
   * 1,500 SYNs to B's server (or SYN-ACKs from it to A's client) with random option lists, each
   * holding now and then the option the sender would sign for it: the program's verdict and
   * reason are those the Java parser implies ({@link #expectedReason}).
   */
  private static void compareWithJavaParser(IngressProgram program, boolean synAck) throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    TwoNodes.Node checking = synAck ? nodes.a : nodes.b;
    Map<Integer, String> expected = new HashMap<>();
    Map<Integer, byte[]> lists = new HashMap<>();
    int allowed = 0;
    for (int i = 0; i < 1500; i++) {
      int port = 10_000 + i;
      InetAddress client = random.nextBoolean() ? A4 : A6;
      InetAddress server = client instanceof Inet4Address ? B4 : B6;
      int clientIsn = random.nextInt();
      int serverIsn = random.nextInt();
      byte[] valid = (synAck ? signedSynAckOption(client, port, clientIsn, serverIsn)
          : signedOption(client, port, clientIsn)).encode();
      byte[] options = randomOptions(random, valid);
      String want = expectedReason(options, valid);
      expected.put(port, want);
      lists.put(port, options);
      byte[] frame = synAck
          ? Frames.tcp(server, PORT, client, port, serverIsn, clientIsn + 1, Frames.SYN | Frames.ACK, options)
          : Frames.tcp(client, port, server, PORT, clientIsn, 0, Frames.SYN, options);
      TestRun run = checking.thread(synAck ? "client" : "server")
          .call(() -> checking.datapath.testRun(program, frame, 1));
      assertThat(run.passed()).as("seed %d, options %s: %s", seed, HexFormat.of().formatHex(options), want)
          .isEqualTo(want.equals("OK"));
      allowed += want.equals("OK") ? 1 : 0;
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> checking.events.size() >= expected.size());
    Map<Integer, HandshakeEvent> byPort = new HashMap<>();
    for (HandshakeEvent e : checking.events) {
      byPort.put(synAck ? e.localPort() : e.peerPort(), e);
    }
    for (Map.Entry<Integer, String> c : expected.entrySet()) {
      HandshakeEvent e = byPort.get(c.getKey());
      String as = "seed " + seed + ", options " + HexFormat.of().formatHex(lists.get(c.getKey()));
      assertThat(e).as(as).isNotNull();
      if (c.getValue().equals("FORGED")) {
        assertThat(e.reason()).as(as).isIn(FORGED);
      } else {
        assertThat(e.reason().name()).as(as).isEqualTo(c.getValue());
      }
      assertThat(e.action()).as(as).isEqualTo(c.getValue().equals("OK") ? Action.ALLOW : Action.DENY);
    }
    // The generator must reach every outcome, or the comparison proves little.
    assertThat(allowed).as("valid options found").isGreaterThan(100);
    assertThat(expected.values()).contains("MALFORMED", "MISSING_OPTION", "FORGED");
  }

  /**
   * What the kernel program must decide: FP1 is taken from the last 20 bytes when they start with
   * its kind, length and ExID (where sockops writes it), otherwise the list is walked as {@link
   * Fp1Option#find} walks it. Found and byte for byte the signed option: OK; found and different
   * (the tag covers every byte, flags the Java record does not model included): refused with one
   * of {@link #FORGED}, or MALFORMED for another version.
   */
  private static String expectedReason(byte[] options, byte[] valid) {
    try {
      int n = options.length;
      boolean last = n >= 20 && isFp1Header(options, n - 20) && options[n - 19] == Fp1Option.LENGTH;
      Optional<Fp1Option> found = last ? Optional.of(Fp1Option.decode(options, n - 20)) : Fp1Option.find(options);
      if (found.isEmpty()) {
        return "MISSING_OPTION";
      }
      int at = last ? n - 20 : firstFp1(options);
      return Arrays.equals(options, at, at + 20, valid, 0, 20) ? "OK" : "FORGED";
    } catch (MalformedOptionException e) {
      return "MALFORMED";
    }
  }

  /** Where the walk of a well-formed list meets FP1 (the list is known to have one). */
  private static int firstFp1(byte[] options) {
    int off = 0;
    while (!isFp1Header(options, off) || (options[off + 1] & 0xff) < 4) {
      off += options[off] == 1 ? 1 : options[off + 1] & 0xff;
    }
    return off;
  }

  private static boolean isFp1Header(byte[] options, int off) {
    return off + 4 <= options.length && (options[off] & 0xff) == Fp1Option.KIND
        && (options[off + 2] & 0xff) == Fp1Option.EXID >> 8 && (options[off + 3] & 0xff) == (Fp1Option.EXID & 0xff);
  }

  /** A list of up to 40 bytes (a multiple of 4) of real, unknown, valid, forged and broken options. */
  private static byte[] randomOptions(Random r, byte[] valid) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int target = r.nextInt(11) * 4;
    while (out.size() < target) {
      switch (r.nextInt(10)) {
        case 0 -> out.write(r.nextInt(4) == 0 ? 0 : 1); // EOL, NOP
        case 1 -> out.writeBytes(new byte[] {2, 4, 0x05, (byte) 0xb4}); // MSS
        case 2 -> out.writeBytes(new byte[] {8, 10, 1, 2, 3, 4, 0, 0, 0, 0}); // timestamps
        case 3 -> out.writeBytes(new byte[] {3, 3, 7, 4, 2}); // window scale, SACK permitted
        case 4, 5 -> out.writeBytes(valid);
        case 6 -> { // FP1 with the right header and other contents
          byte[] forged = valid.clone();
          forged[4 + r.nextInt(16)] ^= (byte) (1 + r.nextInt(255));
          out.writeBytes(forged);
        }
        case 7 -> { // FP1's kind and ExID with another length
          byte[] o = new byte[4 + r.nextInt(12)];
          r.nextBytes(o);
          o[0] = (byte) Fp1Option.KIND;
          o[1] = (byte) (r.nextBoolean() ? o.length : 4 + r.nextInt(30));
          o[2] = (byte) (Fp1Option.EXID >> 8);
          o[3] = (byte) Fp1Option.EXID;
          out.writeBytes(o);
        }
        case 8 -> { // an unknown option, its length sometimes wrong
          byte[] o = new byte[2 + r.nextInt(8)];
          r.nextBytes(o);
          o[0] = (byte) (5 + r.nextInt(240));
          o[1] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : o.length);
          out.writeBytes(o);
        }
        default -> { // noise
          byte[] o = new byte[1 + r.nextInt(6)];
          r.nextBytes(o);
          out.writeBytes(o);
        }
      }
    }
    return Arrays.copyOf(out.toByteArray(), target);
  }

  // ---- random frames ----

  @ParameterizedTest
  @EnumSource(IngressProgram.class)
  void randomFramesNeverFailAProgramAndOnlySynsAreDropped(IngressProgram program) throws Exception {
    // Mutual: a SYN-ACK without a valid option is refused too, so every SYN must be.
    nodes.b.datapath.setMode(nodes.b.cgroupId("server"), WorkloadMode.ENFORCE_MUTUAL);
    long seed = System.nanoTime();
    Random r = new Random(seed);
    int checked = 0;
    for (int i = 0; i < 4000; i++) {
      byte[] frame = randomFrame(r);
      String as = "seed " + seed + ", frame " + HexFormat.of().formatHex(frame);
      int networkBytes = frame.length - Frames.ETH_HLEN;
      int type = (frame[12] & 0xff) << 8 | (frame[13] & 0xff);
      if ((type == 0x0800 && networkBytes < Frames.IPV4_HLEN) || (type == 0x86dd && networkBytes < Frames.IPV6_HLEN)) {
        // The kernel's test run itself wants a whole IP header; a device would not deliver less.
        assertThatThrownBy(() -> atB(program, frame)).as(as).isInstanceOf(DatapathException.class);
        continue;
      }
      TestRun run = atB(program, frame);
      assertThat(run.returnValue()).as(as).isIn(program == IngressProgram.CGROUP_SKB ? Set.of(0, 1) : Set.of(0, 2));
      boolean drop = mustDrop(frame);
      assertThat(run.passed()).as(as).isEqualTo(!drop);
      checked += drop ? 1 : 0;
    }
    assertThat(checked).as("SYNs that had to be dropped").isGreaterThan(200);
  }

  /**
   * A frame the IP layer would deliver to B's server: IPv4 (options, fragments) or IPv6 (hop-by-hop,
   * routing, destination-options and fragment headers), TCP with random flags and option bytes,
   * cut short at random; now and then another protocol or EtherType.
   */
  private static byte[] randomFrame(Random r) {
    boolean v4 = r.nextInt(5) < 3;
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.writeBytes(new byte[12]);
    int type = r.nextInt(10) == 0 ? 0x0806 : v4 ? 0x0800 : 0x86dd;
    f.write(type >> 8);
    f.write(type);
    int protocol = r.nextInt(8) == 0 ? 17 : 6;
    if (v4) {
      int ihl = 5 + (r.nextInt(4) == 0 ? r.nextInt(11) : 0);
      int frag = r.nextInt(6) == 0 ? r.nextInt(0x2000) : 0;
      f.writeBytes(new byte[] {(byte) (0x40 | ihl), 0, 0, 0, 0, 0, (byte) (frag >> 8), (byte) frag, 64,
          (byte) protocol, 0, 0});
      f.writeBytes(A4.getAddress());
      f.writeBytes(B4.getAddress());
      byte[] ipOptions = new byte[(ihl - 5) * 4];
      r.nextBytes(ipOptions);
      f.writeBytes(ipOptions);
    } else {
      int extensions = r.nextInt(3) == 0 ? 1 + r.nextInt(10) : 0;
      int[] kinds = new int[extensions];
      for (int i = 0; i < extensions; i++) {
        kinds[i] = new int[] {0, 43, 60, 44}[r.nextInt(4)];
      }
      f.writeBytes(new byte[] {0x60, 0, 0, 0, 0, 0, (byte) (extensions > 0 ? kinds[0] : protocol), 64});
      f.writeBytes(A6.getAddress());
      f.writeBytes(B6.getAddress());
      for (int i = 0; i < extensions; i++) {
        int next = i + 1 < extensions ? kinds[i + 1] : protocol;
        if (kinds[i] == 44) {
          int offset = r.nextInt(3) == 0 ? r.nextInt(0x2000) : 0;
          f.writeBytes(new byte[] {(byte) next, 0, (byte) (offset >> 5), (byte) (offset << 3 | r.nextInt(2)), 1, 2, 3,
              4});
        } else {
          int units = r.nextInt(3);
          byte[] ext = new byte[(units + 1) * 8];
          r.nextBytes(ext);
          ext[0] = (byte) next;
          ext[1] = (byte) units;
          f.writeBytes(ext);
        }
      }
    }
    int doff = 5 + r.nextInt(11);
    int flags = r.nextInt(2) == 0 ? Frames.SYN | r.nextInt(256) : r.nextInt(256);
    ByteArrayOutputStream tcp = new ByteArrayOutputStream();
    tcp.writeBytes(new byte[] {(byte) 0xa0, 0x00, (byte) (PORT >> 8), (byte) PORT, 1, 2, 3, 4, 0, 0, 0, 0,
        (byte) (doff << 4), (byte) flags, (byte) 0xfa, (byte) 0xf0, 0, 0, 0, 0});
    byte[] options = new byte[(doff - 5) * 4];
    r.nextBytes(options);
    tcp.writeBytes(options);
    f.writeBytes(tcp.toByteArray());
    byte[] frame = f.toByteArray();
    return r.nextInt(4) == 0 ? Arrays.copyOf(frame, Frames.ETH_HLEN + r.nextInt(frame.length - Frames.ETH_HLEN + 1))
        : frame;
  }

  /**
   * True for what the programs must refuse: a SYN (a whole TCP header with SYN set and RST clear,
   * behind a first fragment or none) to B's server, which no random option list signs, and an
   * IPv6 chain of more than eight extension headers (it may hide a SYN); false for what they must
   * let through: not TCP, a later fragment, no SYN, SYN with RST, a header cut short.
   */
  private static boolean mustDrop(byte[] f) {
    int type = (f[12] & 0xff) << 8 | (f[13] & 0xff);
    int off;
    int protocol;
    if (type == 0x0800) {
      int ihl = f[Frames.ETH_HLEN] & 0x0f;
      int frag = ((f[Frames.ETH_HLEN + 6] & 0xff) << 8 | (f[Frames.ETH_HLEN + 7] & 0xff)) & 0x1fff;
      protocol = f[Frames.ETH_HLEN + 9] & 0xff;
      if (protocol != 6 || frag != 0) {
        return false;
      }
      off = Frames.ETH_HLEN + ihl * 4;
    } else if (type == 0x86dd) {
      protocol = f[Frames.ETH_HLEN + 6] & 0xff;
      off = Frames.ETH_HLEN + Frames.IPV6_HLEN;
      for (int i = 0; i < 8 && protocol != 6 && protocol != 17; i++) {
        if (off + 4 > f.length) {
          return false;
        }
        if (protocol == 44 && (((f[off + 2] & 0xff) << 8 | (f[off + 3] & 0xff)) & 0xfff8) != 0) {
          return false;
        }
        int length = protocol == 44 ? 8 : ((f[off + 1] & 0xff) + 1) * 8;
        protocol = f[off] & 0xff;
        off += length;
      }
      if (protocol != 6 && protocol != 17) {
        return true;
      }
      if (protocol != 6) {
        return false;
      }
    } else {
      return false;
    }
    if (off + Frames.TCP_HLEN > f.length) {
      return false;
    }
    int flags = f[off + 13] & 0xff;
    return (flags & Frames.SYN) != 0 && (flags & Frames.RST) == 0;
  }

  // ---- helpers ----

  /** Runs {@code frame} through B's program on the thread the program sees as the listener's. */
  private static TestRun atB(IngressProgram program, byte[] frame) throws Exception {
    return nodes.b.thread("server").call(() -> nodes.b.datapath.testRun(program, frame, 1));
  }

  /** A SYN from {@code src}:{@code port} to B's server with MSS and FP1 as node A signs it. */
  private static byte[] signedSyn(InetAddress src, int port, int seq, int flags) throws Exception {
    byte[] options = new byte[24];
    System.arraycopy(new byte[] {2, 4, 0x05, (byte) 0xb4}, 0, options, 0, 4);
    System.arraycopy(signedOption(src, port, seq).encode(), 0, options, 4, 20);
    return Frames.tcp(src, port, src instanceof Inet4Address ? B4 : B6, PORT, seq, 0, flags, options);
  }

  /** FP1 as node B signs a SYN-ACK from its server to {@code client}:{@code port}. */
  private static Fp1Option signedSynAckOption(InetAddress client, int port, int clientIsn, int serverIsn) {
    Fp1Option unsigned = new Fp1Option(true, TwoNodes.EPOCH, RawSyn.ts16Now(), TwoNodes.SERVER, 0);
    TcpHandshake h = new TcpHandshake(client, port, client instanceof Inet4Address ? B4 : B6, PORT, clientIsn,
        serverIsn);
    return unsigned.withTag(Fp1Tag.synAck(keysAtA().rx(), unsigned, h, CLIENT));
  }

  /** Node A's keys for B: tx signs what A sends, rx verifies what B sends (derived once per class). */
  private static PairwiseKeys keysAtA() {
    if (derivedKeysAtA == null) {
      derivedKeysAtA = PairwiseKeys.derive(nodes.a.keys, TwoNodes.NODE_A, nodes.b.keys.publicKey(), TwoNodes.NODE_B,
          TwoNodes.EPOCH);
    }
    return derivedKeysAtA;
  }

  private static Fp1Option signedOption(InetAddress src, int port, int seq) throws Exception {
    Fp1Option unsigned = new Fp1Option(false, TwoNodes.EPOCH, RawSyn.ts16Now(), CLIENT, 0);
    TcpHandshake h = new TcpHandshake(src, port, src instanceof Inet4Address ? B4 : B6, PORT, seq, 0);
    return unsigned.withTag(Fp1Tag.syn(keysAtA().tx(), unsigned, h));
  }
}
