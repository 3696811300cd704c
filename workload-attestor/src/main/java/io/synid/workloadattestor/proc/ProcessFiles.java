package io.synid.workloadattestor.proc;

import io.synid.workloadattestor.AttestationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Reads {@code <procRoot>/<pid>/...} for one attestor.
 *
 * <p>Every read is bounded ({@link #MAX_FILE_BYTES}): files under {@code /proc} report size 0, so
 * the size is enforced while reading, and an oversized file is an error rather than a truncated
 * parse. A vanished process is reported as such. Messages start with the attestor name.
 */
public final class ProcessFiles {

    /** Largest {@code status} or {@code cgroup} file accepted, in bytes. */
    public static final int MAX_FILE_BYTES = 256 * 1024;

    private final String attestor;
    private final Path procRoot;

    /**
     * @param attestor the attestor name, used as the message prefix
     * @param procRoot normally {@code /proc}
     */
    public ProcessFiles(String attestor, Path procRoot) {
        this.attestor = Objects.requireNonNull(attestor, "attestor");
        this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
    }

    /** The proc root this reader was built with. */
    public Path procRoot() {
        return procRoot;
    }

    /** Parses {@code /proc/<pid>/status}. */
    public ProcessStatus status(int pid) throws AttestationException {
        return ProcessStatus.parse(attestor, pid, read(pid, "status"));
    }

    /** Parses {@code /proc/<pid>/cgroup}. */
    public List<CgroupEntry> cgroups(int pid) throws AttestationException {
        return CgroupEntry.parseFile(attestor, pid, read(pid, "cgroup"));
    }

    /** The target of {@code /proc/<pid>/exe}: the executable's path as the process sees it. */
    public String executablePath(int pid) throws AttestationException {
        Path link = processDir(pid).resolve("exe");
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (NoSuchFileException e) {
            throw gone(pid);
        } catch (IOException | UnsupportedOperationException e) {
            throw new AttestationException(attestor + ": cannot read the executable path of pid " + pid + ": " + e, e);
        }
    }

    /**
     * {@code /proc/<pid>/exe} itself. Opening it reaches the executable even in another mount
     * namespace or after it was replaced on disk, which is why digests are taken through it.
     */
    public Path executableLink(int pid) throws AttestationException {
        return processDir(pid).resolve("exe");
    }

    /** Reads {@code /proc/<pid>/<name>} as UTF-8, bounded by {@link #MAX_FILE_BYTES}. */
    public String read(int pid, String name) throws AttestationException {
        Path file = processDir(pid).resolve(name);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new AttestationException(attestor + ": /proc/" + pid + "/" + name + " is larger than "
                        + MAX_FILE_BYTES + " bytes");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw gone(pid);
        } catch (IOException e) {
            throw new AttestationException(attestor + ": cannot read /proc/" + pid + "/" + name + ": " + e, e);
        }
    }

    private Path processDir(int pid) throws AttestationException {
        if (pid <= 0) {
            throw new AttestationException(attestor + ": invalid pid " + pid);
        }
        return procRoot.resolve(Integer.toString(pid));
    }

    private AttestationException gone(int pid) {
        return new AttestationException(attestor + ": process " + pid + " does not exist (it may have exited)");
    }
}
