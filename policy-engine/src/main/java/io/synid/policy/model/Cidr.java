package io.synid.policy.model;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 prefix with no host bits set, such as {@code 10.10.0.0/16} or
 * {@code fd00:1::/64}.
 *
 * @param address the network address (host bits zero)
 * @param prefixLength 0..32 for IPv4, 0..128 for IPv6
 */
public record Cidr(InetAddress address, int prefixLength) {

    private static final Pattern IPV4 =
            Pattern.compile("(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
                    + "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]+");
    private static final Pattern PREFIX_LENGTH = Pattern.compile("0|[1-9][0-9]{0,2}");

    /** Validates the prefix length and that no host bit is set. */
    public Cidr {
        Objects.requireNonNull(address, "address");
        int max = maxLength(address);
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length out of range 0-" + max + ": " + prefixLength);
        }
        if (!masked(address.getAddress(), prefixLength).equals(address)) {
            throw new IllegalArgumentException("host bits set in " + address.getHostAddress() + "/" + prefixLength);
        }
    }

    /**
     * Parses {@code address/length}. Only literal addresses are accepted (never a host name, so
     * parsing never touches DNS); IPv4 prefixes are written dotted, not as IPv4-mapped IPv6.
     *
     * @throws IllegalArgumentException with a message that says what is wrong, including the
     *     corrected prefix when host bits are set
     */
    public static Cidr parse(String text) {
        Objects.requireNonNull(text, "text");
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("a CIDR needs a prefix length, as in 10.0.0.0/8 or fd00::/8");
        }
        String addr = text.substring(0, slash);
        String len = text.substring(slash + 1);
        InetAddress address = literal(addr);
        int max = maxLength(address);
        if (!PREFIX_LENGTH.matcher(len).matches() || Integer.parseInt(len) > max) {
            throw new IllegalArgumentException("prefix length must be an integer from 0 to " + max);
        }
        int length = Integer.parseInt(len);
        InetAddress network = masked(address.getAddress(), length);
        if (!network.equals(address)) {
            throw new IllegalArgumentException("host bits are set: did you mean " + network.getHostAddress() + "/" + length + "?");
        }
        return new Cidr(address, length);
    }

    private static InetAddress literal(String addr) {
        if (addr.indexOf(':') < 0) {
            if (!IPV4.matcher(addr).matches()) {
                throw new IllegalArgumentException("not an IPv4 or IPv6 address");
            }
        } else if (!IPV6_CHARS.matcher(addr).matches()) {
            // Restricting the characters keeps InetAddress on its literal path (no name lookup).
            throw new IllegalArgumentException("not an IPv4 or IPv6 address");
        }
        InetAddress a;
        try {
            a = InetAddress.getByName(addr);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv4 or IPv6 address");
        }
        if (addr.indexOf(':') >= 0 && a instanceof Inet4Address) {
            throw new IllegalArgumentException("write IPv4 prefixes in dotted form, not as IPv4-mapped IPv6");
        }
        return a;
    }

    private static int maxLength(InetAddress a) {
        return a instanceof Inet4Address ? 32 : 128;
    }

    private static InetAddress masked(byte[] bytes, int length) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, length - 8 * i));
            out[i] = (byte) (out[i] & (0xff << (8 - keep)));
        }
        try {
            return InetAddress.getByAddress(out);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code ip} is inside (an IPv4 address is never inside an IPv6 prefix, and back). */
    public boolean contains(InetAddress ip) {
        if (ip.getAddress().length != address.getAddress().length) {
            return false;
        }
        return masked(ip.getAddress(), prefixLength).equals(address);
    }

    /** Whether every address of {@code other} is inside this prefix. */
    public boolean contains(Cidr other) {
        return other.prefixLength >= prefixLength && contains(other.address);
    }

    /** The host prefix of one address ({@code /32} or {@code /128}). */
    public static Cidr host(InetAddress ip) {
        return new Cidr(ip, maxLength(ip));
    }

    /** {@code 10.10.0.0/16}. */
    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }
}
