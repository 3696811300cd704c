package io.synid.workloadattestor.docker;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of a container-inspect response ({@code GET /containers/{id}/json}) that become
 * selectors: {@code Config.Labels}, {@code Config.Env} and {@code Config.Image}.
 *
 * @param labels label key to value
 * @param env each {@code KEY=value} string as the daemon returned it
 * @param image the image reference the container was created from, e.g. {@code nginx:1.27}
 */
record ContainerInspection(Map<String, String> labels, List<String> env, Optional<String> image) {

    ContainerInspection {
        labels = Map.copyOf(labels);
        env = List.copyOf(env);
    }
}
