package io.synid.workloadattestor.cgroup;

import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.proc.CgroupEntry;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Locates the container (and optionally the pod) of a process from its cgroup paths, with the
 * rules of SPIRE's container locator ({@code pkg/common/containerinfo}).
 *
 * <p>In each path, walking segments from the end, the first 64-hex-digit run bounded by non-word
 * characters is the container id ({@code /docker/<id>}, {@code docker-<id>.scope},
 * {@code cri-containerd-<id>.scope}, {@code crio-<id>.scope}, {@code libpod-<id>.scope}, a bare
 * {@code <id>} under {@code kubepods/.../pod<uid>/}). Walking further back, the first
 * {@code pod<uuid>} with dashes (cgroupfs driver) or underscores (systemd driver) is the pod UID.
 * Across lines, a line with a pod UID overrides lines without one (kind on a docker host lists the
 * host container too); two different container ids or pod UIDs are a conflict, and the safe
 * answer is an error. A path without a container id is not a container.
 *
 * <p>Implementation note: Go's {@code \b} is ASCII-only; the patterns spell the boundary out as
 * lookarounds over {@code [0-9A-Za-z_]} so that Java's Unicode-aware boundary cannot differ.
 */
public final class ContainerLocator {

    private static final String WORD = "[0-9A-Za-z_]";
    private static final Pattern CONTAINER_ID =
            Pattern.compile("(?<!" + WORD + ")([0-9a-fA-F]{64})(?!" + WORD + ")");
    private static final Pattern POD_UID = Pattern.compile("(?<!" + WORD + ")pod("
            + "[0-9a-fA-F]{8}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{12})(?!" + WORD + ")");

    private final String attestor;
    private final boolean withPodUid;

    /**
     * @param attestor the attestor name, used as the message prefix
     * @param withPodUid whether to look for a pod UID (k8s) or only a container id (docker)
     */
    public ContainerLocator(String attestor, boolean withPodUid) {
        this.attestor = attestor;
        this.withPodUid = withPodUid;
    }

    /**
     * Locates the container across every cgroup line of a process.
     *
     * @return empty when no line names a container
     * @throws AttestationException when the lines name different containers or pods
     */
    public Optional<ContainerRef> locate(List<CgroupEntry> cgroups) throws AttestationException {
        String containerId = "";
        String podUid = "";
        for (CgroupEntry entry : cgroups) {
            Optional<ContainerRef> found = extract(entry.path());
            String foundId = found.map(ContainerRef::containerId).orElse("");
            String foundPod = found.flatMap(ContainerRef::podUid).orElse("");
            if (!podUid.isEmpty() && foundPod.isEmpty()) {
                continue;
            }
            if (podUid.isEmpty() && !foundPod.isEmpty()) {
                podUid = foundPod;
                containerId = foundId;
            }
            if (!foundPod.isEmpty() && !foundPod.equals(podUid)) {
                throw new AttestationException(attestor + ": multiple pod UIDs found in cgroups (" + podUid + ", "
                        + foundPod + ")");
            }
            if (!containerId.isEmpty() && !foundId.equals(containerId)) {
                throw new AttestationException(attestor + ": multiple container IDs found in cgroups (" + containerId
                        + ", " + (foundId.isEmpty() ? "none" : foundId) + ")");
            }
            containerId = foundId;
            podUid = foundPod;
        }
        if (containerId.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ContainerRef(containerId, podUid.isEmpty() ? Optional.empty() : Optional.of(podUid)));
    }

    /** Extracts the container id (and pod UID when asked) from one cgroup path. */
    Optional<ContainerRef> extract(String path) {
        String[] split = split(path);
        String rest = split[0];
        String segment = split[1];
        String containerId = null;
        while (!segment.isEmpty()) {
            Matcher m = CONTAINER_ID.matcher(segment);
            if (m.find()) {
                containerId = m.group(1);
                segment = segment.substring(0, m.start(1));
                break;
            }
            split = split(rest);
            rest = split[0];
            segment = split[1];
        }
        if (containerId == null) {
            return Optional.empty();
        }
        if (!withPodUid) {
            return Optional.of(new ContainerRef(containerId, Optional.empty()));
        }
        if (segment.isEmpty()) {
            split = split(rest);
            rest = split[0];
            segment = split[1];
        }
        while (!segment.isEmpty()) {
            Matcher m = POD_UID.matcher(segment);
            if (m.find()) {
                // The systemd driver cannot use dashes inside a slice name, so the kubelet wrote underscores.
                return Optional.of(new ContainerRef(containerId, Optional.of(m.group(1).replace('_', '-'))));
            }
            split = split(rest);
            rest = split[0];
            segment = split[1];
        }
        return Optional.of(new ContainerRef(containerId, Optional.empty()));
    }

    /** Go's {@code path.Split} followed by trimming one trailing slash from the directory. */
    private static String[] split(String path) {
        int slash = path.lastIndexOf('/');
        String dir = path.substring(0, slash + 1);
        String last = path.substring(slash + 1);
        if (dir.endsWith("/")) {
            dir = dir.substring(0, dir.length() - 1);
        }
        return new String[] {dir, last};
    }
}
