package io.synid.workloadattestor.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.proc.CgroupEntry;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ContainerLocatorTest {

    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final String OTHER = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    private static final String POD = "00000000-1111-2222-3333-444444444444";
    private static final String POD_SYSTEMD = "00000000_1111_2222_3333_444444444444";

    static Stream<Arguments> realWorldCgroupFiles() {
        return Stream.of(
                Arguments.of("docker, cgroup v1, cgroupfs driver",
                        "12:pids:/docker/" + ID + "\n11:memory:/docker/" + ID + "\n1:name=systemd:/docker/" + ID + "\n",
                        ID, null),
                Arguments.of("docker, cgroup v2, systemd driver",
                        "0::/system.slice/docker-" + ID + ".scope\n", ID, null),
                Arguments.of("docker, cgroup v2, cgroupfs driver", "0::/docker/" + ID + "\n", ID, null),
                Arguments.of("docker, process in a sub-cgroup of the container (v2, nested)",
                        "0::/system.slice/docker-" + ID + ".scope/init\n", ID, null),
                Arguments.of("podman rootful, cgroup v2",
                        "0::/machine.slice/libpod-" + ID + ".scope/container\n", ID, null),
                Arguments.of("podman rootless, cgroup v2",
                        "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID + ".scope\n", ID, null),
                Arguments.of("containerd (ctr), cgroup v2", "0::/default/" + ID + "\n", ID, null),
                Arguments.of("k8s containerd, cgroup v1, cgroupfs driver",
                        "11:cpu,cpuacct:/kubepods/besteffort/pod" + POD + "/" + ID + "\n", ID, POD),
                Arguments.of("k8s containerd, cgroup v2, systemd driver",
                        "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + POD_SYSTEMD
                                + ".slice/cri-containerd-" + ID + ".scope\n", ID, POD),
                Arguments.of("k8s guaranteed QoS, systemd driver",
                        "0::/kubepods.slice/kubepods-pod" + POD_SYSTEMD + ".slice/cri-containerd-" + ID + ".scope\n",
                        ID, POD),
                Arguments.of("k8s kubelet.slice layout (SPIRE testdata)",
                        "0::/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod" + POD_SYSTEMD
                                + ".slice/cri-containerd-" + ID + ".scope\n", ID, POD),
                Arguments.of("k8s cri-o, cgroup v2, systemd driver",
                        "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + POD_SYSTEMD
                                + ".slice/crio-" + ID + ".scope\n", ID, POD),
                Arguments.of("k8s cri-o conmon",
                        "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + POD_SYSTEMD
                                + ".slice/crio-conmon-" + ID + ".scope\n", ID, POD),
                Arguments.of("k8s docker shim, cgroup v1",
                        "4:memory:/kubepods/burstable/pod" + POD + "/" + ID + "\n", ID, POD),
                Arguments.of("kind on a docker host: the pod line wins over the host container line",
                        "1:cpuset:/docker/" + OTHER + "/kubepods/besteffort/pod" + POD + "/" + ID + "\n"
                                + "0::/docker/" + OTHER + "/system.slice/containerd.service\n", ID, POD),
                Arguments.of("pod id and container id in one segment, colon separated",
                        "0::/kubepods/pod" + POD + ":cri-containerd:" + ID + "\n", ID, POD),
                Arguments.of("upper-case hex is accepted as SPIRE does", "0::/docker/" + ID.toUpperCase() + "\n",
                        ID.toUpperCase(), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("realWorldCgroupFiles")
    void locatesContainersInRealWorldLayouts(String layout, String file, String id, String pod) throws Exception {
        List<CgroupEntry> entries = CgroupEntry.parseFile("k8s", 1, file);
        assertThat(new ContainerLocator("k8s", true).locate(entries))
                .contains(new ContainerRef(id, Optional.ofNullable(pod)));
        if (layout.startsWith("kind")) {
            // Without pod UIDs to tell them apart, the two lines name two containers: SPIRE's docker
            // locator refuses to choose.
            assertThatThrownBy(() -> new ContainerLocator("docker", false).locate(entries))
                    .hasMessageStartingWith("docker: multiple container IDs found in cgroups");
        } else {
            assertThat(new ContainerLocator("docker", false).locate(entries))
                    .contains(new ContainerRef(id, Optional.empty()));
        }
    }

    static Stream<String> notContainers() {
        return Stream.of(
                "0::/\n",
                "0::/user.slice/user-1000.slice/session-3.scope\n",
                "0::/system.slice/nginx.service\n",
                "12:memory:/process_api/c3e8030af796e2f4bdcab81b7a08d60f\n0::/\n",
                "0::/docker/" + ID.substring(1) + "\n",
                "0::/docker/" + ID + "0\n",
                "0::/docker/x" + ID + "\n",
                "0::/docker/" + ID + "_x\n",
                "0::/kubepods/pod" + POD + "/\n");
    }

    @ParameterizedTest
    @MethodSource("notContainers")
    void findsNoContainerOutsideContainers(String file) throws Exception {
        assertThat(new ContainerLocator("k8s", true).locate(CgroupEntry.parseFile("k8s", 1, file))).isEmpty();
    }

    @Test
    void podWithoutContainerIsNotAContainer() throws Exception {
        // The pod-level cgroup itself (a pause process) carries no container id.
        assertThat(new ContainerLocator("k8s", true).locate(CgroupEntry.parseFile("k8s", 1,
                "0::/kubepods.slice/kubepods-pod" + POD_SYSTEMD + ".slice\n"))).isEmpty();
    }

    static Stream<Arguments> conflicts() {
        return Stream.of(
                Arguments.of("2:cpu:/docker/" + ID + "\n1:memory:/docker/" + OTHER + "\n",
                        "k8s: multiple container IDs found in cgroups (" + ID + ", " + OTHER + ")"),
                Arguments.of("2:cpu:/docker/" + ID + "\n0::/system.slice/containerd.service\n",
                        "k8s: multiple container IDs found in cgroups (" + ID + ", none)"),
                Arguments.of("2:cpu:/kubepods/pod" + POD + "/" + ID + "\n1:memory:/kubepods/pod"
                                + "99999999-1111-2222-3333-444444444444/" + ID + "\n",
                        "k8s: multiple pod UIDs found in cgroups (" + POD + ", 99999999-1111-2222-3333-444444444444)"));
    }

    @ParameterizedTest
    @MethodSource("conflicts")
    void conflictingLinesAreAnError(String file, String message) throws Exception {
        List<CgroupEntry> entries = CgroupEntry.parseFile("k8s", 1, file);
        assertThatThrownBy(() -> new ContainerLocator("k8s", true).locate(entries))
                .isInstanceOf(AttestationException.class).hasMessage(message);
    }

    @Test
    void randomPathsNeverCrashTheLocator() {
        Random random = new Random(11);
        String[] pieces = {"/", "pod", POD, POD_SYSTEMD, ID, OTHER.substring(0, 30), "docker-", ".scope", ".slice",
                "kubepods", "-", "_", ":", "crio-", "a", "0"};
        ContainerLocator locator = new ContainerLocator("k8s", true);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder path = new StringBuilder("/");
            int n = random.nextInt(12);
            for (int j = 0; j < n; j++) {
                path.append(pieces[random.nextInt(pieces.length)]);
            }
            try {
                Optional<ContainerRef> found = locator.locate(List.of(new CgroupEntry(0, "", path.toString())));
                found.ifPresent(ref -> {
                    assertThat(ref.containerId()).hasSize(64).matches("[0-9a-fA-F]{64}");
                    ref.podUid().ifPresent(uid -> assertThat(uid).matches("[0-9a-f-]{36}"));
                });
            } catch (AttestationException e) {
                throw new AssertionError("a single line cannot conflict with itself", e);
            }
        }
    }
}
