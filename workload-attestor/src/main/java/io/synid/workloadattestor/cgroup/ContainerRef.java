package io.synid.workloadattestor.cgroup;

import java.util.Objects;
import java.util.Optional;

/**
 * A container located in a process's cgroups.
 *
 * @param containerId the 64-hex-digit container id, lower or upper case as the runtime wrote it
 * @param podUid the Kubernetes pod UID with dashes (systemd's underscores already turned back),
 *     when a pod was found and asked for
 */
public record ContainerRef(String containerId, Optional<String> podUid) {

    /** Requires non-null parts. */
    public ContainerRef {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(podUid, "podUid");
    }
}
