package io.synid.workloadattestor.proc;

import io.synid.workloadattestor.AttestationException;
import java.util.ArrayList;
import java.util.List;

/**
 * The identity lines of {@code /proc/<pid>/status}.
 *
 * @param uids the {@code Uid:} line: real, effective, saved set, filesystem
 * @param gids the {@code Gid:} line, in the same order
 * @param supplementaryGids the {@code Groups:} line, possibly empty
 */
public record ProcessStatus(List<Long> uids, List<Long> gids, List<Long> supplementaryGids) {

    private static final long MAX_ID = 0xFFFF_FFFFL;

    /** Copies the lists. */
    public ProcessStatus {
        uids = List.copyOf(uids);
        gids = List.copyOf(gids);
        supplementaryGids = List.copyOf(supplementaryGids);
    }

    /**
     * The uid SPIRE's unix attestor reports: the effective uid (the second field), or the only
     * field when the line has one.
     */
    public long effectiveUid() {
        return uids.size() > 1 ? uids.get(1) : uids.get(0);
    }

    /** The gid SPIRE's unix attestor reports: the effective gid, chosen as for the uid. */
    public long effectiveGid() {
        return gids.size() > 1 ? gids.get(1) : gids.get(0);
    }

    /**
     * Parses the text of a status file.
     *
     * @throws AttestationException when the {@code Uid:} or {@code Gid:} line is missing or empty,
     *     or an identity line holds anything but unsigned 32-bit decimal ids
     */
    public static ProcessStatus parse(String attestor, int pid, String text) throws AttestationException {
        List<Long> uids = null;
        List<Long> gids = null;
        List<Long> groups = List.of();
        for (String line : text.split("\n", -1)) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1);
            switch (key) {
                case "Uid" -> uids = ids(attestor, pid, key, value);
                case "Gid" -> gids = ids(attestor, pid, key, value);
                case "Groups" -> groups = ids(attestor, pid, key, value);
                default -> { }
            }
        }
        if (uids == null || uids.isEmpty()) {
            throw new AttestationException(attestor + ": /proc/" + pid + "/status has no Uid line with ids");
        }
        if (gids == null || gids.isEmpty()) {
            throw new AttestationException(attestor + ": /proc/" + pid + "/status has no Gid line with ids");
        }
        return new ProcessStatus(uids, gids, groups);
    }

    private static List<Long> ids(String attestor, int pid, String key, String value) throws AttestationException {
        List<Long> out = new ArrayList<>();
        for (String field : value.trim().split("\\s+")) {
            if (field.isEmpty()) {
                continue;
            }
            if (field.length() > 10 || !field.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new AttestationException(attestor + ": /proc/" + pid + "/status has a malformed " + key + " line");
            }
            long id = Long.parseLong(field);
            if (id > MAX_ID) {
                throw new AttestationException(attestor + ": /proc/" + pid + "/status has an out-of-range id in its "
                        + key + " line");
            }
            out.add(id);
        }
        return out;
    }
}
