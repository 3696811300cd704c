package io.synid.workloadattestor.systemd;

import io.synid.workloadattestor.AttestationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds a unit file by scanning unit directories in systemd's search order, for hosts where
 * {@code systemctl} cannot be asked (no systemd as pid 1, agent in a container with the host's
 * unit directories mounted).
 *
 * <p>An approximation of systemd's loader: the first directory holding {@code <unit>} wins, a
 * template instance {@code foo@bar.service} falls back to {@code foo@.service}, and a symlinked
 * unit file is reported at its final target (as systemd does for aliases). It does not know
 * transient units, units created by generators after the scan, or {@code systemctl link}ed files
 * whose real path systemd keeps: those need {@link SystemctlUnitFileLocator}.
 */
final class UnitDirectoryLocator implements UnitFileLocator {

    /** systemd's system unit search path, highest priority first. */
    static final List<String> DEFAULT_DIRECTORIES = List.of(
            "/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
            "/run/systemd/generator.early", "/etc/systemd/system", "/etc/systemd/system.attached",
            "/run/systemd/system", "/run/systemd/system.attached", "/run/systemd/generator",
            "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/run/systemd/generator.late",
            "/lib/systemd/system");

    private final List<Path> directories;

    UnitDirectoryLocator(List<Path> directories) {
        this.directories = List.copyOf(directories);
    }

    @Override
    public String fragmentPath(String unit) throws AttestationException {
        String found = find(unit);
        if (found.isEmpty()) {
            int at = unit.indexOf('@');
            int dot = unit.lastIndexOf('.');
            if (at > 0 && dot > at + 1) {
                found = find(unit.substring(0, at + 1) + unit.substring(dot));
            }
        }
        return found;
    }

    private String find(String name) throws AttestationException {
        for (Path directory : directories) {
            Path candidate = directory.resolve(name);
            if (!candidate.getParent().equals(directory)) {
                continue;
            }
            if (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    return Files.isSymbolicLink(candidate) ? candidate.toRealPath().toString() : candidate.toString();
                } catch (IOException e) {
                    throw new AttestationException(SystemdAttestor.NAME + ": unit file " + candidate
                            + " is a dangling link: " + e.getMessage(), e);
                }
            }
        }
        return "";
    }
}
