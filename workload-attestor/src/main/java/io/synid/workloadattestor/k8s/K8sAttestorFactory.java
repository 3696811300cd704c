package io.synid.workloadattestor.k8s;

import com.github.benmanes.caffeine.cache.Ticker;
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
import java.util.function.UnaryOperator;

/**
 * Builds the {@code k8s} attestor. Keys are SPIRE's ({@code kubelet_read_only_port},
 * {@code kubelet_secure_port}, {@code kubelet_ca_path}, {@code skip_kubelet_verification},
 * {@code token_path}, {@code certificate_path}, {@code private_key_path},
 * {@code use_anonymous_authentication}, {@code node_name_env}, {@code node_name},
 * {@code max_poll_attempts}, {@code poll_retry_interval}, {@code reload_interval},
 * {@code disable_container_selectors}, {@code use_new_container_locator},
 * {@code verbose_container_locator_logs}) plus ours: {@code request_timeout},
 * {@code max_response_bytes}. Credentials are re-read on every pod list fetch, so
 * {@code reload_interval} is accepted and has nothing left to bound.
 */
public final class K8sAttestorFactory implements WorkloadAttestorFactory {

    static final int DEFAULT_SECURE_PORT = 10250;
    static final String DEFAULT_CA_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
    static final String DEFAULT_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    static final String DEFAULT_NODE_NAME_ENV = "MY_NODE_NAME";

    private final Path procRoot;
    private final UnaryOperator<String> environment;
    private final Ticker ticker;
    private final PollPause pause;

    /** A factory for the host: {@code /proc}, the process environment, the system clock. */
    public K8sAttestorFactory() {
        this(Path.of("/proc"), System::getenv, Ticker.systemTicker(), PollPause.SLEEP);
    }

    /**
     * A factory with injected surroundings, for tests.
     *
     * @param procRoot where cgroups are read
     * @param environment looks up environment variables (for {@code node_name_env})
     * @param ticker the clock of the pod list cache
     * @param pause waits between poll attempts
     */
    public K8sAttestorFactory(Path procRoot, UnaryOperator<String> environment, Ticker ticker, PollPause pause) {
        this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
        this.environment = Objects.requireNonNull(environment, "environment");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.pause = Objects.requireNonNull(pause, "pause");
    }

    @Override
    public String name() {
        return K8sAttestor.NAME;
    }

    @Override
    public K8sAttestor create(Map<String, ?> rawConfig) throws InvalidConfigException {
        K8sAttestorConfig config = validate(rawConfig, environment);
        return new K8sAttestor(config, new ProcessFiles(K8sAttestor.NAME, procRoot),
                new ContainerLocator(K8sAttestor.NAME, true), new KubeletClient(config), ticker, pause);
    }

    /**
     * Validates the raw configuration.
     *
     * @param environment looks up {@code node_name_env}
     * @throws InvalidConfigException listing every problem
     */
    public static K8sAttestorConfig validate(Map<String, ?> rawConfig, UnaryOperator<String> environment)
            throws InvalidConfigException {
        PluginConfig config = PluginConfig.of(K8sAttestor.NAME, rawConfig);
        long readOnlyPort = config.integer("kubelet_read_only_port", 0);
        long securePort = config.integer("kubelet_secure_port", 0);
        long maxPollAttempts = config.integer("max_poll_attempts", 0);
        Duration pollRetryInterval = config.duration("poll_retry_interval", Duration.ZERO);
        config.duration("reload_interval", Duration.ofMinutes(1));
        String caPath = config.string("kubelet_ca_path", "");
        boolean skipVerification = config.bool("skip_kubelet_verification", false);
        String tokenPath = config.string("token_path", "");
        String certificatePath = config.string("certificate_path", "");
        String privateKeyPath = config.string("private_key_path", "");
        boolean anonymous = config.bool("use_anonymous_authentication", false);
        String nodeNameEnv = config.string("node_name_env", "");
        String nodeName = config.string("node_name", "");
        boolean disableContainerSelectors = config.bool("disable_container_selectors", false);
        boolean newLocator = config.bool("use_new_container_locator", true);
        config.bool("verbose_container_locator_logs", false);
        Duration requestTimeout = config.duration("request_timeout", Duration.ofSeconds(10));
        long maxResponseBytes = config.integer("max_response_bytes", 64L * 1024 * 1024);

        if (readOnlyPort > 0 && securePort > 0) {
            config.problem("cannot use both the read-only and secure port");
        }
        if (readOnlyPort < 0 || readOnlyPort > 65535) {
            config.problem("kubelet_read_only_port must be between 1 and 65535");
        }
        if (securePort < 0 || securePort > 65535) {
            config.problem("kubelet_secure_port must be between 1 and 65535");
        }
        boolean secure = readOnlyPort <= 0;
        long port = secure ? (securePort > 0 ? securePort : DEFAULT_SECURE_PORT) : readOnlyPort;
        if (!certificatePath.isEmpty() && privateKeyPath.isEmpty()) {
            config.problem("the private key path is required with the certificate path");
        }
        if (certificatePath.isEmpty() && !privateKeyPath.isEmpty()) {
            config.problem("the certificate path is required with the private key path");
        }
        if (anonymous && (!tokenPath.isEmpty() || !certificatePath.isEmpty() || !privateKeyPath.isEmpty())) {
            config.problem("use_anonymous_authentication cannot be combined with token_path, certificate_path "
                    + "or private_key_path");
        }
        if (!newLocator) {
            config.problem("use_new_container_locator = false is not supported");
        }
        if (requestTimeout.isZero() || requestTimeout.isNegative()) {
            config.problem("request_timeout must be positive");
        }
        if (maxResponseBytes < 1024 || maxResponseBytes > 1024L * 1024 * 1024) {
            config.problem("max_response_bytes must be between 1024 and 1073741824");
        }
        if (maxPollAttempts > 10_000) {
            config.problem("max_poll_attempts must be at most 10000");
        }
        config.finish();

        String node = !nodeName.isEmpty() ? nodeName
                : Objects.requireNonNullElse(environment.apply(nodeNameEnv.isEmpty() ? DEFAULT_NODE_NAME_ENV : nodeNameEnv), "");
        String host = secure && !node.isEmpty() ? node : "127.0.0.1";
        boolean useCertificate = !certificatePath.isEmpty();
        return new K8sAttestorConfig(secure, (int) port, host, secure && !node.isEmpty(), skipVerification,
                Path.of(caPath.isEmpty() ? DEFAULT_CA_PATH : caPath),
                secure && !anonymous && !useCertificate
                        ? Optional.of(Path.of(tokenPath.isEmpty() ? DEFAULT_TOKEN_PATH : tokenPath)) : Optional.empty(),
                useCertificate ? Optional.of(Path.of(certificatePath)) : Optional.empty(),
                useCertificate ? Optional.of(Path.of(privateKeyPath)) : Optional.empty(),
                anonymous,
                maxPollAttempts <= 0 ? 60 : (int) maxPollAttempts,
                pollRetryInterval.isZero() ? Duration.ofMillis(500) : pollRetryInterval,
                disableContainerSelectors, requestTimeout, (int) maxResponseBytes);
    }
}
