package io.synid.workloadattestor.systemd;

import io.synid.core.selector.InvalidSelectorException;
import io.synid.core.selector.Selector;
import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.WorkloadAttestor;
import io.synid.workloadattestor.proc.ProcessFiles;
import java.util.List;

/**
 * The {@code systemd} attestor: {@code systemd:id:<unit>} and
 * {@code systemd:fragment_path:<unit file>} for every process, as SPIRE returns them (including an
 * empty fragment path for units that have none, such as slices and scopes).
 *
 * <p>SPIRE asks systemd over D-Bus for the unit of the pid. We derive the unit from the process's
 * cgroup path instead, which is the data systemd itself answers from, and take the fragment path
 * from {@code systemctl show} or from a scan of unit directories (see the factory). Caveat: a
 * process that can move itself to another cgroup (root, or delegated subtrees) can claim another
 * unit, exactly as with SPIRE's D-Bus lookup.
 */
public final class SystemdAttestor implements WorkloadAttestor {

    /** The plugin name and selector type. */
    public static final String NAME = "systemd";

    private final ProcessFiles proc;
    private final UnitFileLocator units;

    SystemdAttestor(ProcessFiles proc, UnitFileLocator units) {
        this.proc = proc;
        this.units = units;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Selector> attest(int pid) throws AttestationException {
        String path = SystemdUnits.trackedPath(proc.cgroups(pid)).orElseThrow(() -> new AttestationException(
                NAME + ": /proc/" + pid + "/cgroup has neither a name=systemd nor a unified hierarchy line"));
        String unit = SystemdUnits.unitOf(path);
        String fragment = units.fragmentPath(unit);
        try {
            return List.of(Selector.of(NAME, "id:" + unit), Selector.of(NAME, "fragment_path:" + fragment));
        } catch (InvalidSelectorException e) {
            throw new AttestationException(NAME + ": unit " + unit + " has a fragment path that is not a valid selector: "
                    + e.getMessage(), e);
        }
    }
}
