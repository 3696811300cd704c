package io.synid.handshake;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of the kernel's CIDR rules: whether a peer that presents no FP1, from an address in
 * {@code prefix/prefixLength}, may reach the workload {@code destinationIdentity} on {@code port}.
 *
 * <p>The kernel decides a SYN without FP1 with the listening workload's entries for the SYN's
 * destination port, and only if none matches with its entries for port 0; in each, the longest
 * matching prefix wins. No matching entry refuses the SYN. {@link #forDestination} turns "the
 * longest matching prefix decides, each prefix allows a set of ports" (the policy model) into
 * entries that give exactly that answer.
 *
 * @param destinationIdentity the listening workload's global identity number
 * @param port the destination port, or 0 for every port without an entry of its own
 * @param prefix the source prefix (IPv4 or IPv6; host bits are cleared)
 * @param prefixLength 0-32 for IPv4, 0-128 for IPv6
 * @param allow allow or refuse
 */
public record CidrRule(int destinationIdentity, int port, InetAddress prefix, int prefixLength, boolean allow) {

  /** Ports are 1 to 65535; 0 in a rule means every port. */
  public static final int MAX_PORT = 0xffff;

  /** Validates the port and the prefix length, and clears the host bits of the prefix. */
  public CidrRule {
    Objects.requireNonNull(prefix, "prefix");
    if (port < 0 || port > MAX_PORT) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    prefix = network(prefix, prefixLength);
  }

  /**
   * What unauthenticated peers from one prefix may reach on one destination.
   *
   * @param prefix the source prefix (host bits are cleared)
   * @param prefixLength 0-32 for IPv4, 0-128 for IPv6
   * @param allowedPorts the ports allowed (bits 1 to 65535; bit 0 is ignored); empty refuses every
   *     port, which matters when a shorter prefix allows some
   */
  public record PrefixPorts(InetAddress prefix, int prefixLength, BitSet allowedPorts) {

    /** Validates, clears the host bits and copies the port set. */
    public PrefixPorts {
      Objects.requireNonNull(prefix, "prefix");
      prefix = network(prefix, prefixLength);
      allowedPorts = (BitSet) Objects.requireNonNull(allowedPorts, "allowedPorts").clone();
      allowedPorts.clear(0);
      if (allowedPorts.length() > MAX_PORT + 1) {
        throw new IllegalArgumentException("port out of range: " + (allowedPorts.length() - 1));
      }
    }

    @Override
    public BitSet allowedPorts() {
      return (BitSet) allowedPorts.clone();
    }
  }

  /**
   * The kernel entries for one destination whose policy says: a peer without FP1 is judged by the
   * longest of {@code prefixes} that contains its address (IPv4 addresses never match IPv6
   * prefixes and back), and may reach the ports that prefix allows; an address in no prefix is
   * refused. That is what the policy compiler's CIDR entries mean ({@code CidrKey} / {@code
   * CidrEntry}).
   *
   * <p>Encoding: every prefix gets a port-0 entry with its majority answer and one entry per port
   * that answers otherwise; since the kernel consults port entries before port-0 entries whatever
   * their prefix lengths, a prefix also repeats (with its own answer) every port entry of the
   * shorter prefixes that contain it. When an IPv6 prefix covers the IPv4-mapped range
   * {@code ::ffff:0:0/96} (the kernel keeps IPv4 sources in that form), {@code 0.0.0.0/0} is added
   * refusing every port unless given, so that IPv4 peers are never judged by an IPv6 prefix. A port
   * set that is neither nearly empty nor nearly full costs one entry per port: the kernel key has
   * no ranges.
   *
   * @throws IllegalArgumentException if a prefix is given twice
   */
  public static List<CidrRule> forDestination(int destinationIdentity, Collection<PrefixPorts> prefixes) {
    List<Node> nodes = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (PrefixPorts p : prefixes) {
      Node n = new Node(p.prefix(), p.prefixLength(), p.allowedPorts);
      if (!seen.add(n.id())) {
        throw new IllegalArgumentException("prefix given twice: " + p.prefix().getHostAddress() + "/" + p.prefixLength());
      }
      nodes.add(n);
    }
    Node mappedRange = new Node(anyIpv4(), 0, new BitSet());
    boolean ipv6CoversIpv4 = nodes.stream().anyMatch(n -> !n.ipv4 && n.contains(mappedRange));
    if (ipv6CoversIpv4 && seen.add(mappedRange.id())) {
      nodes.add(mappedRange);
    }
    // Shorter prefixes first: a prefix's port entries are final before a longer one inherits them.
    nodes.sort(Comparator.comparingInt(n -> n.bits));
    List<CidrRule> rules = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      BitSet ports = n.exceptions();
      for (int j = 0; j < i; j++) {
        Node shorter = nodes.get(j);
        if (shorter.bits < n.bits && shorter.contains(n)) {
          ports.or(shorter.exceptions());
        }
      }
      rules.add(new CidrRule(destinationIdentity, 0, n.prefix, n.length, n.majorityAllows()));
      for (int port = ports.nextSetBit(1); port >= 0; port = ports.nextSetBit(port + 1)) {
        rules.add(new CidrRule(destinationIdentity, port, n.prefix, n.length, n.allowed.get(port)));
      }
    }
    return rules;
  }

  /** The 16-byte key form's prefix length: an IPv4 prefix counts the 96 bits of {@code ::ffff:0:0/96}. */
  int mappedPrefixLength() {
    return prefix instanceof Inet4Address ? 96 + prefixLength : prefixLength;
  }

  /** A prefix in the kernel's 128-bit form, with its allowed ports. */
  private static final class Node {
    final InetAddress prefix;
    final int length;
    final boolean ipv4;
    final byte[] mapped;
    final int bits;
    final BitSet allowed;

    Node(InetAddress prefix, int length, BitSet allowed) {
      this.prefix = prefix;
      this.length = length;
      this.ipv4 = prefix instanceof Inet4Address;
      this.mapped = TcpHandshake.mapped(prefix);
      this.bits = ipv4 ? 96 + length : length;
      this.allowed = allowed;
    }

    String id() {
      return java.util.HexFormat.of().formatHex(mapped) + "/" + bits;
    }

    boolean contains(Node other) {
      if (other.bits < bits) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >>> (i % 8);
        if ((mapped[i / 8] & mask) != (other.mapped[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    }

    boolean majorityAllows() {
      return allowed.cardinality() > MAX_PORT / 2;
    }

    /** The ports whose answer differs from the port-0 entry. */
    BitSet exceptions() {
      BitSet e = (BitSet) allowed.clone();
      if (majorityAllows()) {
        e.flip(1, MAX_PORT + 1);
      }
      return e;
    }
  }

  private static InetAddress anyIpv4() {
    try {
      return InetAddress.getByAddress(new byte[4]);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code address} with the bits after {@code length} cleared; validates the length. */
  static InetAddress network(InetAddress address, int length) {
    byte[] raw = address.getAddress();
    if (length < 0 || length > raw.length * 8) {
      throw new IllegalArgumentException("prefix length out of range 0-" + raw.length * 8 + ": " + length);
    }
    for (int i = 0; i < raw.length; i++) {
      int keep = Math.max(0, Math.min(8, length - 8 * i));
      raw[i] = (byte) (raw[i] & (0xff << (8 - keep)));
    }
    try {
      // Inet6Address.getByAddress keeps the family (InetAddress.getByAddress would turn an
      // IPv4-mapped IPv6 network into an IPv4 address with an IPv6 prefix length).
      return raw.length == 16 ? Inet6Address.getByAddress(null, raw, -1) : InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
