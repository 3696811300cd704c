package io.synid.workloadattestor.proc;

import io.synid.workloadattestor.AttestationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One line of {@code /proc/<pid>/cgroup}: {@code hierarchy-id:controllers:path}. On cgroup v2 the
 * single line is {@code 0::/path}; on v1 there is one line per hierarchy, and systemd's own
 * hierarchy has the controller list {@code name=systemd}.
 *
 * @param hierarchyId the hierarchy number ({@code 0} for the unified hierarchy)
 * @param controllers the comma-separated controller list, empty for v2
 * @param path the cgroup path, which may itself contain colons
 */
public record CgroupEntry(int hierarchyId, String controllers, String path) {

    /** Most lines accepted in one file; a real one has at most a few dozen. */
    public static final int MAX_LINES = 1024;

    /** Requires non-null parts. */
    public CgroupEntry {
        Objects.requireNonNull(controllers, "controllers");
        Objects.requireNonNull(path, "path");
    }

    /** Whether this is the cgroup v2 unified-hierarchy line. */
    public boolean unified() {
        return hierarchyId == 0 && controllers.isEmpty();
    }

    /**
     * Parses one line.
     *
     * @throws AttestationException naming the problem, without echoing the line
     */
    public static CgroupEntry parseLine(String attestor, int pid, String line) throws AttestationException {
        int first = line.indexOf(':');
        int second = first < 0 ? -1 : line.indexOf(':', first + 1);
        if (second < 0) {
            throw malformed(attestor, pid, "a line without three colon-separated fields");
        }
        String id = line.substring(0, first);
        if (id.isEmpty() || id.length() > 9 || !id.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw malformed(attestor, pid, "a non-numeric hierarchy id");
        }
        String path = line.substring(second + 1);
        if (!path.startsWith("/")) {
            throw malformed(attestor, pid, "a relative cgroup path");
        }
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw malformed(attestor, pid, "a control character");
            }
        }
        return new CgroupEntry(Integer.parseInt(id), line.substring(first + 1, second), path);
    }

    /**
     * Parses a whole file; blank lines are skipped.
     *
     * @throws AttestationException when any line is malformed, or there are more than
     *     {@link #MAX_LINES} lines, or none
     */
    public static List<CgroupEntry> parseFile(String attestor, int pid, String text) throws AttestationException {
        List<CgroupEntry> entries = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            if (entries.size() == MAX_LINES) {
                throw malformed(attestor, pid, "more than " + MAX_LINES + " lines");
            }
            entries.add(parseLine(attestor, pid, line));
        }
        if (entries.isEmpty()) {
            throw malformed(attestor, pid, "no entries");
        }
        return List.copyOf(entries);
    }

    private static AttestationException malformed(String attestor, int pid, String what) {
        return new AttestationException(attestor + ": /proc/" + pid + "/cgroup has " + what);
    }
}
