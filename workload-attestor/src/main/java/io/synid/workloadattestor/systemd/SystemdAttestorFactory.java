package io.synid.workloadattestor.systemd;

import io.synid.workloadattestor.InvalidConfigException;
import io.synid.workloadattestor.PluginConfig;
import io.synid.workloadattestor.WorkloadAttestorFactory;
import io.synid.workloadattestor.proc.ProcessFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds the {@code systemd} attestor. SPIRE's plugin takes no configuration; ours adds:
 * {@code fragment_path_source} ({@code systemctl}, the default, or {@code unit_dirs}),
 * {@code systemctl_path} (default {@code /usr/bin/systemctl}), {@code systemctl_timeout}
 * (default {@code 5s}) and {@code unit_dirs} (default systemd's system search path).
 */
public final class SystemdAttestorFactory implements WorkloadAttestorFactory {

    private final Path procRoot;

    /** A factory for the host's {@code /proc}. */
    public SystemdAttestorFactory() {
        this(Path.of("/proc"));
    }

    /** A factory reading cgroups under {@code procRoot}. */
    public SystemdAttestorFactory(Path procRoot) {
        this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
    }

    @Override
    public String name() {
        return SystemdAttestor.NAME;
    }

    @Override
    public SystemdAttestor create(Map<String, ?> rawConfig) throws InvalidConfigException {
        PluginConfig config = PluginConfig.of(SystemdAttestor.NAME, rawConfig);
        String source = config.string("fragment_path_source", "systemctl");
        String systemctl = config.string("systemctl_path", "/usr/bin/systemctl");
        Duration timeout = config.duration("systemctl_timeout", Duration.ofSeconds(5));
        List<String> dirs = config.has("unit_dirs") ? config.stringList("unit_dirs")
                : UnitDirectoryLocator.DEFAULT_DIRECTORIES;
        if (!source.equals("systemctl") && !source.equals("unit_dirs")) {
            config.problem("fragment_path_source must be systemctl or unit_dirs");
        }
        if (!systemctl.startsWith("/")) {
            config.problem("systemctl_path must be absolute");
        }
        if (timeout.isZero() || timeout.isNegative()) {
            config.problem("systemctl_timeout must be positive");
        }
        if (dirs.isEmpty() || dirs.stream().anyMatch(d -> !d.startsWith("/"))) {
            config.problem("unit_dirs must be a non-empty list of absolute paths");
        }
        config.finish();
        UnitFileLocator locator = source.equals("systemctl")
                ? new SystemctlUnitFileLocator(Path.of(systemctl), timeout)
                : new UnitDirectoryLocator(dirs.stream().map(Path::of).toList());
        return new SystemdAttestor(new ProcessFiles(SystemdAttestor.NAME, procRoot), locator);
    }
}
