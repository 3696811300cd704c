package io.synid.workloadattestor.k8s;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The validated configuration of the {@code k8s} attestor (SPIRE's keys unless noted).
 *
 * @param secure whether the kubelet's secure port is used (HTTPS) rather than the read-only port
 * @param port {@code kubelet_read_only_port} or {@code kubelet_secure_port} (default 10250, secure)
 * @param host the kubelet host: {@code node_name} (or the variable {@code node_name_env} names)
 *     for the secure port, else {@code 127.0.0.1}
 * @param verifyHostname whether the kubelet certificate must name {@code host}; SPIRE skips the
 *     check when no node name is known and it dials 127.0.0.1
 * @param skipKubeletVerification {@code skip_kubelet_verification}
 * @param kubeletCaPath {@code kubelet_ca_path} (default: the service account's {@code ca.crt})
 * @param tokenPath {@code token_path} (default: the service account token), unless a client
 *     certificate or anonymous authentication is configured
 * @param certificatePath {@code certificate_path}, with {@code privateKeyPath}
 * @param privateKeyPath {@code private_key_path}, with {@code certificatePath}
 * @param anonymous {@code use_anonymous_authentication}
 * @param maxPollAttempts {@code max_poll_attempts} (default 60)
 * @param pollRetryInterval {@code poll_retry_interval} (default 500ms); the pod list is cached
 *     for half of it, as in SPIRE
 * @param disableContainerSelectors {@code disable_container_selectors}
 * @param requestTimeout {@code request_timeout} (ours; default 10s, SPIRE's fixed value)
 * @param maxResponseBytes {@code max_response_bytes} (ours; default 64 MiB)
 */
public record K8sAttestorConfig(boolean secure, int port, String host, boolean verifyHostname,
        boolean skipKubeletVerification, Path kubeletCaPath, Optional<Path> tokenPath,
        Optional<Path> certificatePath, Optional<Path> privateKeyPath, boolean anonymous,
        int maxPollAttempts, Duration pollRetryInterval, boolean disableContainerSelectors,
        Duration requestTimeout, int maxResponseBytes) {
}
