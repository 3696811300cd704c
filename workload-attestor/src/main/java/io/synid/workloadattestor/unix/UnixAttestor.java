package io.synid.workloadattestor.unix;

import io.synid.core.selector.Selector;
import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.WorkloadAttestor;
import io.synid.workloadattestor.proc.ProcessFiles;
import io.synid.workloadattestor.proc.ProcessStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The {@code unix} attestor. For every process it returns, as SPIRE does:
 * {@code unix:uid:<effective uid>}, {@code unix:user:<name>} when the uid has a passwd line,
 * {@code unix:gid:<effective gid>}, {@code unix:group:<name>}, and for each id of the
 * {@code Groups:} line {@code unix:supplementary_gid:<gid>} and
 * {@code unix:supplementary_group:<name>}. With {@code discover_workload_path}, also
 * {@code unix:path:<target of /proc/pid/exe>} and {@code unix:sha256:<hex digest>}, the digest
 * read through {@code /proc/<pid>/exe} so that it covers the binary the process runs even in
 * another mount namespace.
 *
 * <p>Security caveat, as in SPIRE: the path and digest reflect the executable, not the script an
 * interpreter runs, and ids are read after the caller connected, so the agent must re-check the
 * pid afterwards against pid reuse.
 */
public final class UnixAttestor implements WorkloadAttestor {

    /** The plugin name and selector type. */
    public static final String NAME = "unix";

    private static final int BUFFER_BYTES = 64 * 1024;

    private final UnixAttestorConfig config;
    private final ProcessFiles proc;
    private final AccountDatabase accounts;

    UnixAttestor(UnixAttestorConfig config, ProcessFiles proc, AccountDatabase accounts) {
        this.config = config;
        this.proc = proc;
        this.accounts = accounts;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Reads {@code /proc/<pid>/status} and the account files, and with path discovery the
     * {@code exe} link: all fast. Only the digest, which reads the whole executable, may take long.
     */
    @Override
    public boolean mayBlock() {
        return config.discoverWorkloadPath() && config.workloadSizeLimit() >= 0;
    }

    @Override
    public List<Selector> attest(int pid) throws AttestationException {
        ProcessStatus status = proc.status(pid);
        List<Selector> selectors = new ArrayList<>();
        AccountDatabase.Names names = accounts.current();
        long uid = status.effectiveUid();
        selectors.add(selector("uid", Long.toString(uid)));
        names.userName(uid).ifPresent(name -> add(selectors, "user", name));
        long gid = status.effectiveGid();
        selectors.add(selector("gid", Long.toString(gid)));
        names.groupName(gid).ifPresent(name -> add(selectors, "group", name));
        for (long supplementary : status.supplementaryGids()) {
            selectors.add(selector("supplementary_gid", Long.toString(supplementary)));
            names.groupName(supplementary).ifPresent(name -> add(selectors, "supplementary_group", name));
        }
        if (config.discoverWorkloadPath()) {
            String path = proc.executablePath(pid);
            add(selectors, "path", path);
            if (config.workloadSizeLimit() >= 0) {
                selectors.add(selector("sha256", sha256(pid, path)));
            }
        }
        return selectors;
    }

    private String sha256(int pid, String path) throws AttestationException {
        Path exe = proc.executableLink(pid);
        long limit = config.workloadSizeLimit();
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
        try (InputStream in = Files.newInputStream(exe)) {
            if (limit > 0) {
                long size = Files.size(exe);
                if (size > limit) {
                    throw tooLarge(pid, path, size);
                }
            }
            // The limit is also enforced while reading: the file may grow between the check and the read.
            byte[] buffer = new byte[BUFFER_BYTES];
            long total = 0;
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
                if (limit > 0 && total > limit) {
                    throw tooLarge(pid, path, total);
                }
                digest.update(buffer, 0, n);
            }
        } catch (NoSuchFileException e) {
            throw new AttestationException(NAME + ": process " + pid + " does not exist (it may have exited)");
        } catch (IOException e) {
            throw new AttestationException(NAME + ": SHA256 digest of " + path + " (pid " + pid + "): " + e, e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private AttestationException tooLarge(int pid, String path, long size) {
        return new AttestationException(NAME + ": SHA256 digest: workload " + path + " (pid " + pid
                + ") exceeds size limit (" + size + " > " + config.workloadSizeLimit() + ")");
    }

    private static Selector selector(String kind, String value) {
        return new Selector(NAME, kind + ":" + value);
    }

    // Names and paths come from files a user may control; one that no entry could ever hold
    // (a control character, too long) is left out rather than failing the whole attestation.
    private static void add(List<Selector> selectors, String kind, String value) {
        selectorOf(kind, value).ifPresent(selectors::add);
    }

    private static Optional<Selector> selectorOf(String kind, String value) {
        try {
            return Optional.of(Selector.of(NAME, kind + ":" + value));
        } catch (io.synid.core.selector.InvalidSelectorException e) {
            return Optional.empty();
        }
    }
}
