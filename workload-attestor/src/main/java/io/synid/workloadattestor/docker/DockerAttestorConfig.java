package io.synid.workloadattestor.docker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The validated configuration of the {@code docker} attestor.
 *
 * @param socketPath {@code docker_socket_path} without its {@code unix://} scheme
 * @param apiVersion {@code docker_version}, e.g. {@code 1.43}; empty uses unversioned paths,
 *     which the daemon serves at its own current API version
 * @param timeout {@code timeout} (ours): bound on each Engine API request
 * @param maxResponseBytes {@code max_response_bytes} (ours): bound on each Engine API response
 */
public record DockerAttestorConfig(Path socketPath, Optional<String> apiVersion, Duration timeout,
        int maxResponseBytes) {
}
