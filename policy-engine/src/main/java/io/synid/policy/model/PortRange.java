package io.synid.policy.model;

/**
 * An inclusive range of TCP ports, both ends in 1..65535.
 *
 * @param first the lowest port
 * @param last the highest port, at least {@code first}
 */
public record PortRange(int first, int last) implements Comparable<PortRange> {

    /** The lowest valid port. Port 0 is reserved: the datapath uses it as the "every port" wildcard. */
    public static final int MIN_PORT = 1;
    /** The highest valid port. */
    public static final int MAX_PORT = 65535;

    /** Validates the ends. */
    public PortRange {
        if (first < MIN_PORT || first > MAX_PORT || last < MIN_PORT || last > MAX_PORT) {
            throw new IllegalArgumentException("port out of range 1-65535: " + first + "-" + last);
        }
        if (first > last) {
            throw new IllegalArgumentException("port range is reversed: " + first + "-" + last);
        }
    }

    /** A single port. */
    public static PortRange of(int port) {
        return new PortRange(port, port);
    }

    /** Every port. */
    public static PortRange all() {
        return new PortRange(MIN_PORT, MAX_PORT);
    }

    /** Whether {@code port} is inside. */
    public boolean contains(int port) {
        return port >= first && port <= last;
    }

    /** Number of ports inside. */
    public int size() {
        return last - first + 1;
    }

    @Override
    public int compareTo(PortRange o) {
        return first != o.first ? Integer.compare(first, o.first) : Integer.compare(last, o.last);
    }

    /** {@code 5432} or {@code 8000-8100}, as written in policy files. */
    @Override
    public String toString() {
        return first == last ? Integer.toString(first) : first + "-" + last;
    }
}
