package io.synid.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The CIDR rules without a kernel: the key encoding, {@link CidrRule#forDestination} against the
 * policy model (longest prefix of the destination decides, then its port set) through a model of
 * the kernel's lookup (port entries, then port 0; longest prefix in each), and the order in which
 * {@code setCidrRules} writes a change.
 */
class CidrRuleTest {

  private static final int DST = 200;
  private static final int[] PORTS = {22, 80, 443, 8080, 65535};

  @Test
  void clearsHostBitsAndValidates() throws Exception {
    CidrRule r = new CidrRule(DST, 80, InetAddress.getByName("10.1.2.3"), 16, true);
    assertThat(r.prefix()).isEqualTo(InetAddress.getByName("10.1.0.0"));
    assertThat(new CidrRule(DST, 0, InetAddress.getByName("fd00::77"), 64, true).prefix())
        .isEqualTo(InetAddress.getByName("fd00::"));
    assertThatThrownBy(() -> new CidrRule(DST, 80, InetAddress.getByName("10.0.0.0"), 33, true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CidrRule(DST, 80, InetAddress.getByName("fd00::"), 129, true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CidrRule(DST, 65536, InetAddress.getByName("10.0.0.0"), 8, true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CidrRule(DST, -1, InetAddress.getByName("10.0.0.0"), 8, true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CidrRule.forDestination(DST, List.of(prefix("10.0.0.0/8", 80), prefix("10.0.0.0/8", 22))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void keyCountsTheFixedFieldsInThePrefixLength() throws Exception {
    byte[] v4 = HandshakeDatapath.cidrKey(new CidrRule(0x01020304, 8080, InetAddress.getByName("10.199.0.0"), 24, true));
    ByteBuffer b = ByteBuffer.wrap(v4).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(v4).hasSize(HandshakeDatapath.CIDR_KEY_SIZE);
    assertThat(b.getInt(0)).isEqualTo(64 + 96 + 24);
    assertThat(b.getInt(HandshakeDatapath.CIDR_KEY_DST_IDENTITY)).isEqualTo(0x01020304);
    assertThat(b.getShort(HandshakeDatapath.CIDR_KEY_PORT) & 0xffff).isEqualTo(8080);
    assertThat(b.getShort(HandshakeDatapath.CIDR_KEY_PORT + 2)).isZero();
    byte[] addr = new byte[16];
    b.get(HandshakeDatapath.CIDR_KEY_ADDR, addr);
    assertThat(addr).isEqualTo(TcpHandshake.mapped(InetAddress.getByName("10.199.0.0")));
    byte[] v6 = HandshakeDatapath.cidrKey(new CidrRule(7, 0, InetAddress.getByName("fd00:199::"), 64, false));
    assertThat(ByteBuffer.wrap(v6).order(ByteOrder.LITTLE_ENDIAN).getInt(0)).isEqualTo(64 + 64);
  }

  @Test
  void aLongerPrefixDecidesEvenForAPortOnlyAShorterOneLists() throws Exception {
    // 10/8 allows 80; 10.1/16 allows only 443: 10.1.x.x on 80 is refused although the kernel sees
    // port entries before port-0 entries.
    List<CidrRule.PrefixPorts> policy = List.of(prefix("10.0.0.0/8", 80), prefix("10.1.0.0/16", 443));
    Map<String, byte[]> map = HandshakeDatapath.cidrEntries(CidrRule.forDestination(DST, policy));
    assertThat(kernelAllows(map, DST, 80, ip("10.2.3.4"))).isTrue();
    assertThat(kernelAllows(map, DST, 443, ip("10.2.3.4"))).isFalse();
    assertThat(kernelAllows(map, DST, 80, ip("10.1.3.4"))).isFalse();
    assertThat(kernelAllows(map, DST, 443, ip("10.1.3.4"))).isTrue();
    assertThat(kernelAllows(map, DST + 1, 443, ip("10.1.3.4"))).as("another destination").isFalse();
    assertThat(kernelAllows(map, DST, 80, ip("11.0.0.1"))).isFalse();
  }

  @Test
  void anIpv6PrefixNeverAdmitsIpv4Peers() throws Exception {
    BitSet all = new BitSet();
    all.set(1, 65536);
    List<CidrRule> rules = CidrRule.forDestination(DST, List.of(new CidrRule.PrefixPorts(ip("::"), 0, all)));
    Map<String, byte[]> map = HandshakeDatapath.cidrEntries(rules);
    assertThat(kernelAllows(map, DST, 80, ip("fd00::1"))).isTrue();
    assertThat(kernelAllows(map, DST, 80, ip("10.0.0.1"))).isFalse();
    assertThat(rules).contains(new CidrRule(DST, 0, ip("0.0.0.0"), 0, false));
  }

  @Test
  void nearlyFullPortSetsCostOneEntryPerRefusedPort() throws Exception {
    BitSet allBut22 = new BitSet();
    allBut22.set(1, 65536);
    allBut22.clear(22);
    List<CidrRule> rules = CidrRule.forDestination(DST, List.of(new CidrRule.PrefixPorts(ip("10.0.0.0"), 8, allBut22)));
    assertThat(rules).containsExactlyInAnyOrder(new CidrRule(DST, 0, ip("10.0.0.0"), 8, true),
        new CidrRule(DST, 22, ip("10.0.0.0"), 8, false));
  }

  @Test
  void encodedRulesAnswerExactlyAsThePolicyModelOnRandomPolicies() throws Exception {
    Random random = new Random(20261124);
    for (int trial = 0; trial < 300; trial++) {
      List<CidrRule.PrefixPorts> policy = randomPolicy(random);
      Map<String, byte[]> map = HandshakeDatapath.cidrEntries(CidrRule.forDestination(DST, policy));
      for (InetAddress a : probes(random, policy)) {
        for (int port : probePorts(random)) {
          assertThat(kernelAllows(map, DST, port, TcpHandshake.mapped(a)))
              .as("trial %d: %s port %d under %s", trial, a, port, policy)
              .isEqualTo(policyAllows(policy, a, port));
        }
      }
    }
  }

  @Test
  void noIntermediateStateOfAnUpdateAllowsWhatNeitherSetAllows() throws Exception {
    Random random = new Random(5);
    for (int trial = 0; trial < 200; trial++) {
      List<CidrRule.PrefixPorts> beforePolicy = randomPolicy(random);
      List<CidrRule.PrefixPorts> afterPolicy = random.nextBoolean() ? randomPolicy(random) : mutate(random, beforePolicy);
      Map<String, byte[]> before = HandshakeDatapath.cidrEntries(CidrRule.forDestination(DST, beforePolicy));
      Map<String, byte[]> after = HandshakeDatapath.cidrEntries(CidrRule.forDestination(DST, afterPolicy));
      List<InetAddress> addresses = probes(random, beforePolicy);
      addresses.addAll(probes(random, afterPolicy));
      List<Integer> ports = probePorts(random);
      Map<String, byte[]> state = new HashMap<>(before);
      for (Map.Entry<String, byte[]> op : HandshakeDatapath.cidrUpdates(before, after)) {
        if (op.getValue() == null) {
          state.remove(op.getKey());
        } else {
          state.put(op.getKey(), op.getValue());
        }
        for (InetAddress a : addresses) {
          byte[] m = TcpHandshake.mapped(a);
          for (int port : ports) {
            if (kernelAllows(state, DST, port, m)) {
              assertThat(kernelAllows(before, DST, port, m) || kernelAllows(after, DST, port, m))
                  .as("trial %d: %s port %d allowed mid-update", trial, a, port).isTrue();
            }
          }
        }
      }
      assertThat(state.keySet()).isEqualTo(after.keySet());
      state.forEach((k, v) -> assertThat(v).isEqualTo(after.get(k)));
    }
  }

  @Test
  void aRefusalWinsOverAnAllowWithTheSameKey() throws Exception {
    Map<String, byte[]> map = HandshakeDatapath.cidrEntries(List.of(new CidrRule(DST, 80, ip("10.0.0.0"), 8, true),
        new CidrRule(DST, 80, ip("10.9.9.9"), 8, false), new CidrRule(DST, 80, ip("10.0.0.0"), 8, true)));
    assertThat(map).hasSize(1);
    assertThat(kernelAllows(map, DST, 80, ip("10.0.0.1"))).isFalse();
  }

  // ---- models ----

  static boolean kernelAllows(Map<String, byte[]> map, int dst, int port, InetAddress a) {
    return kernelAllows(map, dst, port, TcpHandshake.mapped(a));
  }

  /** The kernel's lookup: entries of the destination for the port, else for port 0; longest prefix wins. */
  static boolean kernelAllows(Map<String, byte[]> map, int dst, int port, byte[] addr) {
    byte[] v = longest(map, dst, port, addr);
    if (v == null && port != 0) {
      v = longest(map, dst, 0, addr);
    }
    return v != null && ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getInt() == 1;
  }

  private static byte[] longest(Map<String, byte[]> map, int dst, int port, byte[] addr) {
    byte[] best = null;
    int bestBits = -1;
    for (Map.Entry<String, byte[]> e : map.entrySet()) {
      ByteBuffer k = ByteBuffer.wrap(HexFormat.of().parseHex(e.getKey())).order(ByteOrder.LITTLE_ENDIAN);
      int bits = k.getInt(0) - HandshakeDatapath.CIDR_KEY_FIXED_BITS;
      if (k.getInt(4) != dst || (k.getShort(8) & 0xffff) != port || k.getShort(10) != 0 || bits <= bestBits) {
        continue;
      }
      byte[] prefix = new byte[16];
      k.get(12, prefix);
      if (matches(prefix, addr, bits)) {
        best = e.getValue();
        bestBits = bits;
      }
    }
    return best;
  }

  private static boolean matches(byte[] prefix, byte[] addr, int bits) {
    for (int i = 0; i < bits; i++) {
      int mask = 0x80 >>> (i % 8);
      if ((prefix[i / 8] & mask) != (addr[i / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  /** The policy's meaning: the longest prefix of the address's own family decides, by its port set. */
  static boolean policyAllows(List<CidrRule.PrefixPorts> policy, InetAddress a, int port) {
    CidrRule.PrefixPorts best = null;
    for (CidrRule.PrefixPorts p : policy) {
      boolean sameFamily = (p.prefix() instanceof Inet4Address) == (a instanceof Inet4Address);
      if (sameFamily && matches(p.prefix().getAddress(), a.getAddress(), p.prefixLength())
          && (best == null || p.prefixLength() > best.prefixLength())) {
        best = p;
      }
    }
    return best != null && best.allowedPorts().get(port);
  }

  // ---- random policies ----

  private static final String[] V4 = {"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32",
      "10.1.3.0/24", "10.2.0.0/16", "192.168.0.0/16", "192.168.1.0/24"};
  private static final String[] V6 = {"::/0", "::/80", "fd00::/8", "fd00:199::/64", "fd00:199::2/128",
      "fd00:1::/32", "2001:db8::/32"};

  private static List<CidrRule.PrefixPorts> randomPolicy(Random random) throws Exception {
    Map<String, CidrRule.PrefixPorts> policy = new LinkedHashMap<>();
    int n = 1 + random.nextInt(6);
    for (int i = 0; i < n; i++) {
      String cidr = random.nextInt(3) > 0 ? V4[random.nextInt(V4.length)] : V6[random.nextInt(V6.length)];
      policy.put(cidr, new CidrRule.PrefixPorts(ip(cidr.substring(0, cidr.indexOf('/'))),
          Integer.parseInt(cidr.substring(cidr.indexOf('/') + 1)), randomPorts(random)));
    }
    return new ArrayList<>(policy.values());
  }

  private static List<CidrRule.PrefixPorts> mutate(Random random, List<CidrRule.PrefixPorts> policy) throws Exception {
    List<CidrRule.PrefixPorts> out = new ArrayList<>(policy);
    int i = random.nextInt(out.size());
    CidrRule.PrefixPorts p = out.get(i);
    if (random.nextBoolean() && out.size() > 1) {
      out.remove(i);
    } else {
      out.set(i, new CidrRule.PrefixPorts(p.prefix(), p.prefixLength(), randomPorts(random)));
    }
    return out;
  }

  private static BitSet randomPorts(Random random) {
    BitSet ports = new BitSet();
    switch (random.nextInt(4)) {
      case 0 -> { } // nothing: refuses what a shorter prefix allows
      case 1 -> ports.set(1, 65536);
      default -> {
        for (int p : PORTS) {
          if (random.nextBoolean()) {
            ports.set(p);
          }
        }
      }
    }
    if (random.nextInt(3) == 0) {
      ports.flip(1, 65536); // a nearly full set: port 0 allows, listed ports refuse
    }
    return ports;
  }

  private static List<InetAddress> probes(Random random, List<CidrRule.PrefixPorts> policy) throws Exception {
    List<InetAddress> out = new ArrayList<>(List.of(ip("10.1.2.3"), ip("10.1.2.4"), ip("10.1.3.9"), ip("10.2.0.1"),
        ip("10.200.0.1"), ip("192.168.1.1"), ip("192.168.2.1"), ip("172.16.0.1"), ip("fd00:199::2"),
        ip("fd00:199::3"), ip("fd00:1::1"), ip("fd77::1"), ip("2001:db8::1"), ip("2002::1")));
    for (CidrRule.PrefixPorts p : policy) {
      byte[] a = p.prefix().getAddress();
      for (int i = p.prefixLength(); i < a.length * 8; i++) {
        if (random.nextBoolean()) {
          a[i / 8] ^= (byte) (0x80 >>> (i % 8));
        }
      }
      out.add(InetAddress.getByAddress(a));
    }
    return out;
  }

  private static List<Integer> probePorts(Random random) {
    List<Integer> ports = new ArrayList<>();
    for (int p : PORTS) {
      ports.add(p);
    }
    ports.add(1 + random.nextInt(65535));
    ports.add(1);
    return ports;
  }

  private static CidrRule.PrefixPorts prefix(String cidr, int... ports) throws Exception {
    BitSet set = new BitSet();
    for (int p : ports) {
      set.set(p);
    }
    int slash = cidr.indexOf('/');
    return new CidrRule.PrefixPorts(ip(cidr.substring(0, slash)), Integer.parseInt(cidr.substring(slash + 1)), set);
  }

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }
}
