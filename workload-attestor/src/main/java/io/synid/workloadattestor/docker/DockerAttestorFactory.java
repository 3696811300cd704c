package io.synid.workloadattestor.docker;

import io.synid.workloadattestor.InvalidConfigException;
import io.synid.workloadattestor.PluginConfig;
import io.synid.workloadattestor.WorkloadAttestorFactory;
import io.synid.workloadattestor.cgroup.ContainerLocator;
import io.synid.workloadattestor.proc.ProcessFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds the {@code docker} attestor. SPIRE's keys: {@code docker_socket_path} (default
 * {@code unix:///var/run/docker.sock}), {@code docker_version}; {@code use_new_container_locator}
 * and {@code verbose_container_locator_logs} are accepted, but the legacy locator and its
 * {@code container_id_cgroup_matchers} are not implemented. Ours: {@code timeout} (default
 * {@code 10s}) and {@code max_response_bytes} (default 4 MiB).
 */
public final class DockerAttestorFactory implements WorkloadAttestorFactory {

    static final String DEFAULT_SOCKET = "unix:///var/run/docker.sock";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    static final int DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

    private final Path procRoot;

    /** A factory for the host's {@code /proc}. */
    public DockerAttestorFactory() {
        this(Path.of("/proc"));
    }

    /** A factory reading cgroups under {@code procRoot}. */
    public DockerAttestorFactory(Path procRoot) {
        this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
    }

    @Override
    public String name() {
        return DockerAttestor.NAME;
    }

    @Override
    public DockerAttestor create(Map<String, ?> rawConfig) throws InvalidConfigException {
        DockerAttestorConfig config = validate(rawConfig);
        return new DockerAttestor(new ProcessFiles(DockerAttestor.NAME, procRoot),
                new ContainerLocator(DockerAttestor.NAME, false),
                new DockerEngineClient(config));
    }

    /**
     * Validates the raw configuration.
     *
     * @throws InvalidConfigException listing every problem
     */
    public static DockerAttestorConfig validate(Map<String, ?> rawConfig) throws InvalidConfigException {
        PluginConfig config = PluginConfig.of(DockerAttestor.NAME, rawConfig);
        String socket = config.string("docker_socket_path", DEFAULT_SOCKET);
        Optional<String> version = config.string("docker_version").filter(v -> !v.isEmpty());
        Duration timeout = config.duration("timeout", DEFAULT_TIMEOUT);
        long maxBytes = config.integer("max_response_bytes", DEFAULT_MAX_RESPONSE_BYTES);
        boolean newLocator = config.bool("use_new_container_locator", true);
        config.bool("verbose_container_locator_logs", false);
        if (!config.stringList("container_id_cgroup_matchers").isEmpty()) {
            config.problem("container_id_cgroup_matchers is not supported: containers are located with SPIRE's "
                    + "default (new) container locator");
        }
        if (!newLocator) {
            config.problem("use_new_container_locator = false is not supported");
        }
        Path socketPath = null;
        if (!socket.startsWith("unix://") || socket.length() <= "unix://".length()
                || !socket.substring("unix://".length()).startsWith("/")) {
            config.problem("docker_socket_path must be an absolute unix:// address such as " + DEFAULT_SOCKET);
        } else {
            socketPath = Path.of(socket.substring("unix://".length()));
        }
        if (version.isPresent() && !version.get().matches("\\d{1,2}\\.\\d{1,3}")) {
            config.problem("docker_version must look like 1.43");
        }
        if (timeout.isZero() || timeout.isNegative()) {
            config.problem("timeout must be positive");
        }
        if (maxBytes < 1024 || maxBytes > 256L * 1024 * 1024) {
            config.problem("max_response_bytes must be between 1024 and 268435456");
        }
        config.finish();
        return new DockerAttestorConfig(socketPath, version, timeout, (int) maxBytes);
    }
}
