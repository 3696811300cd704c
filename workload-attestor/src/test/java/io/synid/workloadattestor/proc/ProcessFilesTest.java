package io.synid.workloadattestor.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.workloadattestor.AttestationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProcessFilesTest {

    @TempDir
    Path proc;

    @Test
    void readsTheRealStatusOfThisProcess() throws Exception {
        ProcessFiles files = new ProcessFiles("unix", Path.of("/proc"));
        int pid = (int) ProcessHandle.current().pid();
        ProcessStatus status = files.status(pid);
        assertThat(status.uids()).hasSize(4);
        assertThat(status.gids()).hasSize(4);
        assertThat(files.cgroups(pid)).isNotEmpty();
        assertThat(files.executablePath(pid)).endsWith("java");
    }

    static Stream<Arguments> statusFiles() {
        return Stream.of(
                Arguments.of("Name:\tx\nUid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\nGroups:\t10 20 \n", 2L, 6L, List.of(10L, 20L)),
                Arguments.of("Uid:\t7\nGid:\t9\n", 7L, 9L, List.of()),
                Arguments.of("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n", 0L, 0L, List.of()),
                Arguments.of("Uid:\t4294967295\t4294967294\t0\t0\nGid:\t1\t2\t3\t4\n", 4294967294L, 2L, List.of()));
    }

    @ParameterizedTest
    @MethodSource("statusFiles")
    void parsesStatusLines(String text, long uid, long gid, List<Long> groups) throws AttestationException {
        ProcessStatus status = ProcessStatus.parse("unix", 1, text);
        assertThat(status.effectiveUid()).isEqualTo(uid);
        assertThat(status.effectiveGid()).isEqualTo(gid);
        assertThat(status.supplementaryGids()).isEqualTo(groups);
    }

    static Stream<Arguments> hostileStatusFiles() {
        return Stream.of(
                Arguments.of("", "unix: /proc/1/status has no Uid line with ids"),
                Arguments.of("Uid:\nGid:\t1\n", "unix: /proc/1/status has no Uid line with ids"),
                Arguments.of("Uid:\t1\n", "unix: /proc/1/status has no Gid line with ids"),
                Arguments.of("Uid:\t-1\t0\nGid:\t0\n", "unix: /proc/1/status has a malformed Uid line"),
                Arguments.of("Uid:\tabc\nGid:\t0\n", "unix: /proc/1/status has a malformed Uid line"),
                Arguments.of("Uid:\t4294967296\nGid:\t0\n", "unix: /proc/1/status has an out-of-range id in its Uid line"),
                Arguments.of("Uid:\t99999999999999999999\nGid:\t0\n", "unix: /proc/1/status has a malformed Uid line"),
                Arguments.of("Uid:\t1\nGid:\t0\nGroups:\t1 x\n", "unix: /proc/1/status has a malformed Groups line"));
    }

    @ParameterizedTest
    @MethodSource("hostileStatusFiles")
    void rejectsHostileStatusFiles(String text, String message) {
        assertThatThrownBy(() -> ProcessStatus.parse("unix", 1, text)).isInstanceOf(AttestationException.class)
                .hasMessage(message);
    }

    @Test
    void reportsAVanishedProcess() {
        ProcessFiles files = new ProcessFiles("unix", proc);
        assertThatThrownBy(() -> files.status(12345))
                .hasMessage("unix: process 12345 does not exist (it may have exited)");
        assertThatThrownBy(() -> files.executablePath(12345))
                .hasMessage("unix: process 12345 does not exist (it may have exited)");
        assertThatThrownBy(() -> files.status(0)).hasMessage("unix: invalid pid 0");
        assertThatThrownBy(() -> files.status(-5)).hasMessage("unix: invalid pid -5");
    }

    @Test
    void rejectsHugeFilesWithoutReadingThemWhole() throws Exception {
        Files.createDirectories(proc.resolve("77"));
        Files.write(proc.resolve("77/status"), new byte[ProcessFiles.MAX_FILE_BYTES + 1]);
        ProcessFiles files = new ProcessFiles("unix", proc);
        assertThatThrownBy(() -> files.status(77))
                .hasMessage("unix: /proc/77/status is larger than " + ProcessFiles.MAX_FILE_BYTES + " bytes");
    }

    @Test
    void reportsAnUnreadableProcDirectoryEntry() throws Exception {
        Files.createDirectories(proc.resolve("78/status"));
        ProcessFiles files = new ProcessFiles("unix", proc);
        assertThatThrownBy(() -> files.status(78)).isInstanceOf(AttestationException.class)
                .hasMessageStartingWith("unix: cannot read /proc/78/status: ");
    }

    static Stream<Arguments> hostileCgroupFiles() {
        return Stream.of(
                Arguments.of("", "k8s: /proc/1/cgroup has no entries"),
                Arguments.of("0:/\n", "k8s: /proc/1/cgroup has a line without three colon-separated fields"),
                Arguments.of("x::/\n", "k8s: /proc/1/cgroup has a non-numeric hierarchy id"),
                Arguments.of(":cpu:/\n", "k8s: /proc/1/cgroup has a non-numeric hierarchy id"),
                Arguments.of("0::relative\n", "k8s: /proc/1/cgroup has a relative cgroup path"),
                Arguments.of("0::/a\tb\n", "k8s: /proc/1/cgroup has a control character"),
                Arguments.of("0::/\n".repeat(CgroupEntry.MAX_LINES + 1), "k8s: /proc/1/cgroup has more than 1024 lines"));
    }

    @ParameterizedTest
    @MethodSource("hostileCgroupFiles")
    void rejectsHostileCgroupFiles(String text, String message) {
        assertThatThrownBy(() -> CgroupEntry.parseFile("k8s", 1, text)).isInstanceOf(AttestationException.class)
                .hasMessage(message);
    }

    @Test
    void parsesCgroupLinesWithColonsInThePath() throws AttestationException {
        assertThat(CgroupEntry.parseFile("k8s", 1, "12:cpu,cpuacct:/a:b\n0::/x\n")).containsExactly(
                new CgroupEntry(12, "cpu,cpuacct", "/a:b"), new CgroupEntry(0, "", "/x"));
    }

    @Test
    void randomInputNeverCrashesTheCgroupParser() {
        Random random = new Random(4);
        String alphabet = "0123456789abcdef:/-_.\n\t pod docker kubepods slice scope";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(200);
            for (int j = 0; j < length; j++) {
                text.append(random.nextInt(8) == 0 ? (char) random.nextInt(0x3000)
                        : alphabet.charAt(random.nextInt(alphabet.length())));
            }
            try {
                List<CgroupEntry> entries = CgroupEntry.parseFile("k8s", 1, text.toString());
                assertThat(entries).allSatisfy(e -> assertThat(e.path()).startsWith("/"));
            } catch (AttestationException expected) {
                assertThat(expected.getMessage()).startsWith("k8s: /proc/1/cgroup has ");
            }
        }
    }
}
