package io.synid.policy.compile;

import io.synid.policy.eval.Verdict;
import io.synid.policy.model.Mode;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of everything compiled for the protected workloads: the verdict map (authenticated
 * peers), the CIDR rules (unauthenticated peers, per destination) and each destination's mode.
 *
 * @param verdicts the verdict entries (copied)
 * @param cidrRules the CIDR entries (copied)
 * @param modes the mode of every protected identity (copied)
 */
public record CompiledTables(Map<VerdictKey, VerdictEntry> verdicts, Map<CidrKey, CidrEntry> cidrRules, Map<Integer, Mode> modes) {

    /** No table at all. */
    public static final CompiledTables EMPTY = new CompiledTables(Map.of(), Map.of(), Map.of());

    /** Copies. */
    public CompiledTables {
        verdicts = Map.copyOf(Objects.requireNonNull(verdicts, "verdicts"));
        cidrRules = Map.copyOf(Objects.requireNonNull(cidrRules, "cidrRules"));
        modes = Map.copyOf(Objects.requireNonNull(modes, "modes"));
    }

    /** These tables with {@code delta} applied. */
    public CompiledTables apply(TableDelta delta) {
        Map<VerdictKey, VerdictEntry> v = new HashMap<>(verdicts);
        v.putAll(delta.verdictPuts());
        v.keySet().removeAll(delta.verdictDeletes());
        Map<CidrKey, CidrEntry> c = new HashMap<>(cidrRules);
        c.putAll(delta.cidrPuts());
        c.keySet().removeAll(delta.cidrDeletes());
        Map<Integer, Mode> m = new HashMap<>(modes);
        m.putAll(delta.modePuts());
        m.keySet().removeAll(delta.modeDeletes());
        return new CompiledTables(v, c, m);
    }

    /**
     * The policy verdict the datapath derives from the verdict map for an authenticated connection
     * (docs/handshake.md: the exact port's entry, else the pair's wildcard entry, else refused).
     */
    public Verdict lookup(int source, int destination, int port) {
        VerdictEntry exact = verdicts.get(new VerdictKey(source, destination, port));
        if (exact != null) {
            return exact.verdict() == TableVerdict.ALLOW ? Verdict.ALLOWED : Verdict.DENIED;
        }
        VerdictEntry any = verdicts.get(new VerdictKey(source, destination, VerdictKey.ANY_PORT));
        return any != null && any.verdict() == TableVerdict.ALLOW ? Verdict.ALLOWED : Verdict.DENIED;
    }

    /** The policy verdict for an unauthenticated peer: the longest matching prefix of the destination decides. */
    public Verdict lookupUnauthenticated(int destination, InetAddress source, int port) {
        CidrEntry best = null;
        int bestLength = -1;
        for (Map.Entry<CidrKey, CidrEntry> e : cidrRules.entrySet()) {
            CidrKey k = e.getKey();
            if (k.destination() == destination && k.cidr().prefixLength() > bestLength && k.cidr().contains(source)) {
                best = e.getValue();
                bestLength = k.cidr().prefixLength();
            }
        }
        return best != null && best.allowedPorts().contains(port) ? Verdict.ALLOWED : Verdict.DENIED;
    }
}
