package io.synid.policy.compile;

import io.synid.policy.model.Mode;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The difference between two {@link CompiledTables}: apply the puts, then the deletes (the
 * datapath's order, so nothing allowed before and after is ever missing). No key is both put and
 * deleted.
 *
 * @param verdictPuts verdict entries to write
 * @param verdictDeletes verdict keys to remove
 * @param cidrPuts CIDR entries to write
 * @param cidrDeletes CIDR keys to remove
 * @param modePuts modes to write, by protected identity number
 * @param modeDeletes identity numbers no longer protected
 */
public record TableDelta(
        Map<VerdictKey, VerdictEntry> verdictPuts,
        Set<VerdictKey> verdictDeletes,
        Map<CidrKey, CidrEntry> cidrPuts,
        Set<CidrKey> cidrDeletes,
        Map<Integer, Mode> modePuts,
        Set<Integer> modeDeletes) {

    /** Nothing to change. */
    public static final TableDelta EMPTY = new TableDelta(Map.of(), Set.of(), Map.of(), Set.of(), Map.of(), Set.of());

    /** Copies and checks that no key is both put and deleted. */
    public TableDelta {
        verdictPuts = Map.copyOf(Objects.requireNonNull(verdictPuts, "verdictPuts"));
        verdictDeletes = Set.copyOf(Objects.requireNonNull(verdictDeletes, "verdictDeletes"));
        cidrPuts = Map.copyOf(Objects.requireNonNull(cidrPuts, "cidrPuts"));
        cidrDeletes = Set.copyOf(Objects.requireNonNull(cidrDeletes, "cidrDeletes"));
        modePuts = Map.copyOf(Objects.requireNonNull(modePuts, "modePuts"));
        modeDeletes = Set.copyOf(Objects.requireNonNull(modeDeletes, "modeDeletes"));
        for (VerdictKey k : verdictDeletes) {
            if (verdictPuts.containsKey(k)) {
                throw new IllegalArgumentException("verdict key both put and deleted: " + k);
            }
        }
        for (CidrKey k : cidrDeletes) {
            if (cidrPuts.containsKey(k)) {
                throw new IllegalArgumentException("CIDR key both put and deleted: " + k);
            }
        }
        for (Integer k : modeDeletes) {
            if (modePuts.containsKey(k)) {
                throw new IllegalArgumentException("mode both put and deleted: " + k);
            }
        }
    }

    /** Whether nothing changes. */
    public boolean isEmpty() {
        return size() == 0;
    }

    /** Number of map operations. */
    public int size() {
        return verdictPuts.size() + verdictDeletes.size() + cidrPuts.size() + cidrDeletes.size()
                + modePuts.size() + modeDeletes.size();
    }
}
