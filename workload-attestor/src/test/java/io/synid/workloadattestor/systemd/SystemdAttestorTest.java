package io.synid.workloadattestor.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.core.selector.Selector;
import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SystemdAttestorTest {

    @TempDir
    Path dir;

    private Path proc;
    private Path etc;
    private Path lib;

    @BeforeEach
    void setUp() throws Exception {
        proc = dir.resolve("proc");
        etc = Files.createDirectories(dir.resolve("etc/systemd/system"));
        lib = Files.createDirectories(dir.resolve("lib/systemd/system"));
        Files.writeString(lib.resolve("nginx.service"), "[Service]\nExecStart=/usr/sbin/nginx\n");
        Files.writeString(lib.resolve("getty@.service"), "[Service]\n");
        Files.writeString(etc.resolve("app.service"), "[Service]\n");
        Files.writeString(lib.resolve("app.service"), "[Service]\n");
        Files.createSymbolicLink(etc.resolve("web.service"), lib.resolve("nginx.service"));
        cgroup(400, "0::/system.slice/nginx.service\n");
        cgroup(401, "12:memory:/system.slice/app.service\n1:name=systemd:/system.slice/app.service\n0::/system.slice/app.service\n");
        cgroup(402, "0::/system.slice/system-getty.slice/getty@tty1.service\n");
        cgroup(403, "0::/user.slice/user-1000.slice/session-4.scope\n");
        cgroup(404, "0::/system.slice/web.service\n");
        cgroup(405, "12:memory:/x\n");
    }

    private void cgroup(int pid, String text) throws Exception {
        Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(proc.resolve(pid + "/cgroup"), text);
    }

    private SystemdAttestor scanning() throws InvalidConfigException {
        return new SystemdAttestorFactory(proc).create(Map.of("fragment_path_source", "unit_dirs",
                "unit_dirs", List.of(etc.toString(), lib.toString())));
    }

    private static List<String> strings(List<Selector> selectors) {
        return selectors.stream().map(Selector::toString).toList();
    }

    @ParameterizedTest
    @CsvSource({
            "/system.slice/nginx.service, nginx.service",
            "/system.slice/system-getty.slice/getty@tty1.service, getty@tty1.service",
            "/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service, user@1000.service",
            "/user.slice/user-1000.slice/session-4.scope, session-4.scope",
            "/system.slice/docker-0123.scope/init, docker-0123.scope",
            "/system.slice, system.slice",
            "/, -.slice",
            "/docker/0123456789abcdef, -.slice",
            "/kubepods.slice/kubepods-pod1_2.slice/cri-containerd-ab.scope, cri-containerd-ab.scope",
            "/system.slice/bad$name.service, system.slice"})
    void derivesTheUnitFromTheCgroupPath(String path, String unit) {
        assertThat(SystemdUnits.unitOf(path)).isEqualTo(unit);
    }

    @Test
    void findsFragmentsInUnitDirectories() throws Exception {
        SystemdAttestor attestor = scanning();
        assertThat(strings(attestor.attest(400))).containsExactly("systemd:id:nginx.service",
                "systemd:fragment_path:" + lib.resolve("nginx.service"));
        assertThat(strings(attestor.attest(401))).containsExactly("systemd:id:app.service",
                "systemd:fragment_path:" + etc.resolve("app.service"));
        assertThat(strings(attestor.attest(402))).containsExactly("systemd:id:getty@tty1.service",
                "systemd:fragment_path:" + lib.resolve("getty@.service"));
        assertThat(strings(attestor.attest(403))).containsExactly("systemd:id:session-4.scope", "systemd:fragment_path:");
        assertThat(strings(attestor.attest(404))).containsExactly("systemd:id:web.service",
                "systemd:fragment_path:" + lib.resolve("nginx.service").toRealPath());
    }

    @Test
    void hostileInput() throws Exception {
        SystemdAttestor attestor = scanning();
        assertThatThrownBy(() -> attestor.attest(405)).isInstanceOf(AttestationException.class)
                .hasMessage("systemd: /proc/405/cgroup has neither a name=systemd nor a unified hierarchy line");
        assertThatThrownBy(() -> attestor.attest(406)).hasMessage("systemd: process 406 does not exist (it may have exited)");
        Files.createSymbolicLink(etc.resolve("gone.service"), dir.resolve("nowhere"));
        cgroup(407, "0::/system.slice/gone.service\n");
        assertThatThrownBy(() -> attestor.attest(407)).hasMessageStartingWith(
                "systemd: unit file " + etc.resolve("gone.service") + " is a dangling link: ");
    }

    private Path fakeSystemctl(String script) throws Exception {
        Path systemctl = dir.resolve("systemctl");
        Files.writeString(systemctl, "#!/bin/sh\n" + script);
        Files.setPosixFilePermissions(systemctl, PosixFilePermissions.fromString("rwx------"));
        return systemctl;
    }

    @Test
    void asksSystemctlForTheFragmentPath() throws Exception {
        // A stand-in printing what `systemctl show -p FragmentPath --value -- <unit>` prints.
        Path systemctl = fakeSystemctl("""
                [ "$1 $2 $3 $4 $5" = "show -p FragmentPath --value --" ] || exit 2
                case "$6" in nginx.service) echo /lib/systemd/system/nginx.service ;; *) echo ;; esac
                """);
        SystemdAttestor attestor = new SystemdAttestorFactory(proc).create(Map.of("systemctl_path", systemctl.toString()));
        assertThat(strings(attestor.attest(400))).containsExactly("systemd:id:nginx.service",
                "systemd:fragment_path:/lib/systemd/system/nginx.service");
        assertThat(strings(attestor.attest(403))).containsExactly("systemd:id:session-4.scope", "systemd:fragment_path:");
    }

    @Test
    void misbehavingSystemctlGivesSpecificErrors() throws Exception {
        Map<String, String> cases = Map.of(
                "exit 1\n", "systemd: %s show nginx.service failed with exit status 1",
                "printf 'relative/path\\n'\n", "systemd: %s printed something other than one absolute path",
                "printf '/a\\n/b\\n'\n", "systemd: %s printed something other than one absolute path",
                "exec sleep 30\n", "systemd: %s show nginx.service did not finish within 300 ms");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path systemctl = fakeSystemctl(c.getKey());
            SystemdAttestor attestor = new SystemdAttestorFactory(proc).create(Map.of("systemctl_path", systemctl.toString(),
                    "systemctl_timeout", "300ms"));
            assertThatThrownBy(() -> attestor.attest(400)).isInstanceOf(AttestationException.class)
                    .hasMessage(c.getValue().formatted(systemctl));
        }
        SystemdAttestor missing = new SystemdAttestorFactory(proc).create(Map.of("systemctl_path", "/nonexistent/systemctl"));
        assertThatThrownBy(() -> missing.attest(400)).hasMessageStartingWith("systemd: cannot run /nonexistent/systemctl: ");
    }

    @Test
    void configIsValidatedAllAtOnce() {
        assertThatThrownBy(() -> new SystemdAttestorFactory(proc).create(Map.of("fragment_path_source", "dbus",
                "systemctl_path", "systemctl", "systemctl_timeout", "0", "unit_dirs", List.of("rel"))))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "fragment_path_source must be systemctl or unit_dirs",
                        "systemctl_path must be absolute",
                        "systemctl_timeout must be positive",
                        "unit_dirs must be a non-empty list of absolute paths"));
    }
}
