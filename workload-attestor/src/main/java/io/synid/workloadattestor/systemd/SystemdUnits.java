package io.synid.workloadattestor.systemd;

import io.synid.workloadattestor.proc.CgroupEntry;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Derives the systemd unit that owns a process from its cgroup path, as the system manager's
 * {@code GetUnitByPID} answers (SPIRE asks that over D-Bus).
 *
 * <p>systemd names every cgroup it manages after a unit: slices nest ({@code system.slice}), and
 * the first non-slice component is the unit ({@code foo.service}, {@code session-3.scope},
 * {@code user@1000.service} for everything in a user's manager). A process directly in a slice
 * belongs to that slice; a process in a cgroup systemd does not manage belongs to the nearest
 * managed ancestor, which is the root slice {@code -.slice} at the top.
 */
final class SystemdUnits {

    private static final Pattern UNIT = Pattern.compile(
            "[A-Za-z0-9:_.\\\\@-]{1,250}\\.(service|scope|slice|socket|mount|swap|automount|device|target|path|timer)");

    private SystemdUnits() {
    }

    /**
     * The cgroup path systemd tracks: the {@code name=systemd} hierarchy on cgroup v1 (and
     * hybrid), else the unified {@code 0::} line.
     */
    static Optional<String> trackedPath(List<CgroupEntry> cgroups) {
        for (CgroupEntry entry : cgroups) {
            if (entry.controllers().equals("name=systemd")) {
                return Optional.of(entry.path());
            }
        }
        for (CgroupEntry entry : cgroups) {
            if (entry.unified()) {
                return Optional.of(entry.path());
            }
        }
        return Optional.empty();
    }

    /** The unit owning a process in cgroup {@code path}. */
    static String unitOf(String path) {
        String unit = "-.slice";
        for (String component : path.split("/")) {
            if (component.isEmpty()) {
                continue;
            }
            if (!UNIT.matcher(component).matches()) {
                break;
            }
            unit = component;
            if (!component.endsWith(".slice")) {
                break;
            }
        }
        return unit;
    }
}
