package io.synid.workloadattestor.unix;

import io.synid.workloadattestor.InvalidConfigException;
import io.synid.workloadattestor.PluginConfig;
import io.synid.workloadattestor.WorkloadAttestorFactory;
import io.synid.workloadattestor.proc.ProcessFiles;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/** Builds the {@code unix} attestor. Keys: {@code discover_workload_path}, {@code workload_size_limit}. */
public final class UnixAttestorFactory implements WorkloadAttestorFactory {

    private final Path root;

    /** A factory for the host: {@code /proc} and {@code /etc}. */
    public UnixAttestorFactory() {
        this(Path.of("/"));
    }

    /** A factory reading {@code <root>/proc} and {@code <root>/etc}; for tests and chroots. */
    public UnixAttestorFactory(Path root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    @Override
    public String name() {
        return UnixAttestor.NAME;
    }

    @Override
    public UnixAttestor create(Map<String, ?> rawConfig) throws InvalidConfigException {
        UnixAttestorConfig config = validate(rawConfig);
        return new UnixAttestor(config, new ProcessFiles(UnixAttestor.NAME, root.resolve("proc")),
                new AccountDatabase(root));
    }

    /**
     * Validates the raw configuration.
     *
     * @throws InvalidConfigException listing every problem
     */
    public static UnixAttestorConfig validate(Map<String, ?> rawConfig) throws InvalidConfigException {
        PluginConfig config = PluginConfig.of(UnixAttestor.NAME, rawConfig);
        boolean discover = config.bool("discover_workload_path", false);
        long limit = config.integer("workload_size_limit", 0);
        config.finish();
        return new UnixAttestorConfig(discover, limit);
    }
}
