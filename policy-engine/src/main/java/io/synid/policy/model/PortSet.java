package io.synid.policy.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * An immutable set of ports, held as sorted, disjoint, non-adjacent ranges so that set operations
 * cost the number of ranges, not the number of ports.
 */
public final class PortSet {

    /** No port. */
    public static final PortSet EMPTY = new PortSet(new int[0]);
    /** Every port, 1..65535. */
    public static final PortSet ALL = new PortSet(new int[] {PortRange.MIN_PORT, PortRange.MAX_PORT});

    /** Flattened [first0, last0, first1, last1, ...], normalized. */
    private final int[] bounds;

    private PortSet(int[] bounds) {
        this.bounds = bounds;
    }

    /** The union of {@code ranges}. */
    public static PortSet of(Collection<PortRange> ranges) {
        List<PortRange> sorted = new ArrayList<>(ranges);
        sorted.sort(null);
        int[] out = new int[sorted.size() * 2];
        int n = 0;
        for (PortRange r : sorted) {
            if (n > 0 && r.first() <= out[n - 1] + 1) {
                out[n - 1] = Math.max(out[n - 1], r.last());
            } else {
                out[n++] = r.first();
                out[n++] = r.last();
            }
        }
        return new PortSet(Arrays.copyOf(out, n));
    }

    /** The given ports. */
    public static PortSet ofPorts(int... ports) {
        List<PortRange> ranges = new ArrayList<>();
        for (int p : ports) {
            ranges.add(PortRange.of(p));
        }
        return of(ranges);
    }

    /** Whether {@code port} is in the set. */
    public boolean contains(int port) {
        // Binary search over range starts.
        int lo = 0;
        int hi = bounds.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (port < bounds[2 * mid]) {
                hi = mid - 1;
            } else if (port > bounds[2 * mid + 1]) {
                lo = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** Whether the set is empty. */
    public boolean isEmpty() {
        return bounds.length == 0;
    }

    /** Whether the set holds every port. */
    public boolean isAll() {
        return bounds.length == 2 && bounds[0] == PortRange.MIN_PORT && bounds[1] == PortRange.MAX_PORT;
    }

    /** Number of ports. */
    public int size() {
        int n = 0;
        for (int i = 0; i < bounds.length; i += 2) {
            n += bounds[i + 1] - bounds[i] + 1;
        }
        return n;
    }

    /** The ranges, sorted, disjoint and non-adjacent. */
    public List<PortRange> ranges() {
        List<PortRange> out = new ArrayList<>(bounds.length / 2);
        for (int i = 0; i < bounds.length; i += 2) {
            out.add(new PortRange(bounds[i], bounds[i + 1]));
        }
        return List.copyOf(out);
    }

    /** Calls {@code action} with every port, ascending. */
    public void forEachPort(IntConsumer action) {
        for (int i = 0; i < bounds.length; i += 2) {
            for (int p = bounds[i]; p <= bounds[i + 1]; p++) {
                action.accept(p);
            }
        }
    }

    /** This set plus {@code other}. */
    public PortSet union(PortSet other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        List<PortRange> all = new ArrayList<>(ranges());
        all.addAll(other.ranges());
        return of(all);
    }

    /** Every port not in this set. */
    public PortSet complement() {
        List<PortRange> out = new ArrayList<>();
        int next = PortRange.MIN_PORT;
        for (int i = 0; i < bounds.length; i += 2) {
            if (bounds[i] > next) {
                out.add(new PortRange(next, bounds[i] - 1));
            }
            next = bounds[i + 1] + 1;
        }
        if (next <= PortRange.MAX_PORT) {
            out.add(new PortRange(next, PortRange.MAX_PORT));
        }
        return of(out);
    }

    /** This set without {@code other}. */
    public PortSet minus(PortSet other) {
        if (other.isEmpty() || isEmpty()) {
            return this;
        }
        return complement().union(other).complement();
    }

    /** Whether the two sets share a port. */
    public boolean intersects(PortSet other) {
        return !minus(other).equals(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortSet p && Arrays.equals(bounds, p.bounds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bounds);
    }

    /** {@code [5432, 8000-8100]}. */
    @Override
    public String toString() {
        return ranges().toString();
    }
}
