package io.synid.workloadattestor.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.core.selector.Selector;
import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.InvalidConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixAttestorTest {

    @TempDir
    Path root;

    private Process child;

    @BeforeEach
    void fakeTree() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), """
                root:x:0:0:root:/root:/bin/bash
                # a comment
                garbage line without fields
                alice:x:1000:1000::/home/alice:/bin/sh
                dup:x:1000:1000::/:/bin/sh
                """);
        Files.writeString(root.resolve("etc/group"), """
                root:x:0:
                alice:x:1000:
                docker:x:998:alice
                """);
        Files.createDirectories(root.resolve("bin"));
        Files.write(root.resolve("bin/app"), "#!/bin/true\nbinary".getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stopChild() throws Exception {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void fakeProcess(int pid, String status) throws Exception {
        Path dir = root.resolve("proc/" + pid);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("status"), status);
        Files.createSymbolicLink(dir.resolve("exe"), root.resolve("bin/app"));
    }

    private UnixAttestor attestor(Map<String, ?> config) throws InvalidConfigException {
        return new UnixAttestorFactory(root).create(config);
    }

    private static List<String> strings(List<Selector> selectors) {
        return selectors.stream().map(Selector::toString).toList();
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void usesEffectiveIdsNamesAndSupplementaryGroups() throws Exception {
        fakeProcess(100, "Name:\tapp\nUid:\t0\t1000\t1000\t1000\nGid:\t0\t1000\t1000\t1000\nGroups:\t998 4242\n");
        assertThat(strings(attestor(Map.of()).attest(100))).containsExactly(
                "unix:uid:1000", "unix:user:alice", "unix:gid:1000", "unix:group:alice",
                "unix:supplementary_gid:998", "unix:supplementary_group:docker", "unix:supplementary_gid:4242");
    }

    @Test
    void discoversPathAndDigest() throws Exception {
        fakeProcess(101, "Uid:\t5\t5\t5\t5\nGid:\t6\t6\t6\t6\n");
        List<String> selectors = strings(attestor(Map.of("discover_workload_path", true)).attest(101));
        assertThat(selectors).containsExactly("unix:uid:5", "unix:gid:6", "unix:path:" + root.resolve("bin/app"),
                "unix:sha256:" + sha256(root.resolve("bin/app")));
    }

    @Test
    void onlyTheDigestOfTheExecutableMayBlock() throws Exception {
        assertThat(attestor(Map.of()).mayBlock()).isFalse();
        assertThat(attestor(Map.of("discover_workload_path", true, "workload_size_limit", -1)).mayBlock()).isFalse();
        assertThat(attestor(Map.of("discover_workload_path", true)).mayBlock()).isTrue();
        assertThat(attestor(Map.of("discover_workload_path", true, "workload_size_limit", 1024)).mayBlock()).isTrue();
    }

    @Test
    void negativeSizeLimitDisablesTheDigest() throws Exception {
        fakeProcess(102, "Uid:\t5\nGid:\t6\n");
        assertThat(strings(attestor(Map.of("discover_workload_path", true, "workload_size_limit", -1)).attest(102)))
                .containsExactly("unix:uid:5", "unix:gid:6", "unix:path:" + root.resolve("bin/app"));
    }

    @Test
    void executableOverTheSizeLimitFails() throws Exception {
        fakeProcess(103, "Uid:\t5\nGid:\t6\n");
        long size = Files.size(root.resolve("bin/app"));
        assertThatThrownBy(() -> attestor(Map.of("discover_workload_path", true, "workload_size_limit", 4)).attest(103))
                .isInstanceOf(AttestationException.class)
                .hasMessage("unix: SHA256 digest: workload " + root.resolve("bin/app") + " (pid 103) exceeds size limit ("
                        + size + " > 4)");
    }

    @Test
    void hostileProcTrees() throws Exception {
        fakeProcess(104, "Uid:\tnope\nGid:\t1\n");
        assertThatThrownBy(() -> attestor(Map.of()).attest(104)).hasMessage("unix: /proc/104/status has a malformed Uid line");
        assertThatThrownBy(() -> attestor(Map.of()).attest(105))
                .hasMessage("unix: process 105 does not exist (it may have exited)");
        Path dir = root.resolve("proc/106");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("status"), "Uid:\t1\nGid:\t1\n");
        Files.createSymbolicLink(dir.resolve("exe"), root.resolve("bin/deleted"));
        assertThat(strings(attestor(Map.of()).attest(106))).containsExactly("unix:uid:1", "unix:gid:1");
        assertThatThrownBy(() -> attestor(Map.of("discover_workload_path", true)).attest(106))
                .hasMessage("unix: process 106 does not exist (it may have exited)");
    }

    @Test
    void missingAccountFilesOnlyDropNames() throws Exception {
        Files.delete(root.resolve("etc/passwd"));
        Files.writeString(root.resolve("etc/group"), "x".repeat(10));
        fakeProcess(107, "Uid:\t1000\nGid:\t1000\n");
        assertThat(strings(attestor(Map.of()).attest(107))).containsExactly("unix:uid:1000", "unix:gid:1000");
    }

    @Test
    void attestsThisJvmThroughTheRealProc() throws Exception {
        UnixAttestor attestor = new UnixAttestorFactory().create(Map.of("discover_workload_path", true));
        int pid = (int) ProcessHandle.current().pid();
        List<String> selectors = strings(attestor.attest(pid));
        String javaPath = Files.readSymbolicLink(Path.of("/proc/self/exe")).toString();
        assertThat(selectors).contains("unix:path:" + javaPath, "unix:sha256:" + sha256(Path.of(javaPath)));
        assertThat(selectors.get(0)).startsWith("unix:uid:");
    }

    @Test
    void attestsAChildRunningAsAnotherUser() throws Exception {
        // The test machines run as root; setpriv drops the child to nobody, so the effective ids differ from ours.
        child = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "/bin/sleep", "300").start();
        int pid = (int) child.pid();
        // setpriv execs sleep in place; wait until the exec happened before reading /proc.
        Path exe = Path.of("/proc/" + pid + "/exe");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readSymbolicLink(exe).toString().endsWith("/sleep")) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.onSpinWait();
        }
        UnixAttestor attestor = new UnixAttestorFactory().create(Map.of("discover_workload_path", true));
        List<String> selectors = strings(attestor.attest(pid));
        assertThat(selectors).containsExactly("unix:uid:65534", "unix:user:nobody", "unix:gid:65534",
                "unix:group:nogroup", "unix:path:/usr/bin/sleep", "unix:sha256:" + sha256(Path.of("/usr/bin/sleep")));

        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> attestor.attest(pid)).isInstanceOf(AttestationException.class)
                .hasMessage("unix: process " + pid + " does not exist (it may have exited)");
    }

    @Test
    void configIsValidatedAllAtOnce() {
        assertThatThrownBy(() -> UnixAttestorFactory.validate(Map.of("discover_workload_path", "yes",
                "workload_size_limit", "big", "extra", 1)))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "unknown configuration key extra", "discover_workload_path must be a boolean",
                        "workload_size_limit must be an integer"));
    }
}
