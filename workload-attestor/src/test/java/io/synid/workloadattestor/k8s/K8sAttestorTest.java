package io.synid.workloadattestor.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.synid.core.selector.Selector;
import io.synid.core.x509.Pem;
import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.InvalidConfigException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class K8sAttestorTest {

    private static final String CONTAINER = "3f1e0a6c9b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7";
    private static final String POD_UID = "2c0b6b44-7a1e-4d6b-9b43-0a8c3b6e2f11";
    private static final String INIT = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /** A PodList as the kubelet serves it, trimmed to one workload pod and one unrelated pod. */
    private static final String POD_LIST = """
            {"kind":"PodList","apiVersion":"v1","metadata":{},"items":[
             {"metadata":{"name":"payments-7d9c5b7f6d-x2k4j","generateName":"payments-7d9c5b7f6d-","namespace":"shop",
               "uid":"%s","resourceVersion":"81234","creationTimestamp":"2024-05-01T10:00:00Z",
               "labels":{"app":"payments","pod-template-hash":"7d9c5b7f6d"},
               "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"payments-7d9c5b7f6d",
                 "uid":"9a1b2c3d-0000-4000-8000-000000000001","controller":true,"blockOwnerDeletion":true}]},
              "spec":{"containers":[{"name":"app","image":"ghcr.io/shop/payments:2.3.1"}],
                "serviceAccountName":"payments","nodeName":"node-a"},
              "status":{"phase":"Running","podIP":"10.244.1.7",
                "initContainerStatuses":[{"name":"migrate","state":{"terminated":{"exitCode":0}},"ready":true,
                  "image":"ghcr.io/shop/migrate:1","imageID":"ghcr.io/shop/migrate@sha256:1111",
                  "containerID":"containerd://%s"}],
                "containerStatuses":[{"name":"app","state":{"running":{}},"ready":true,"restartCount":0,
                  "image":"ghcr.io/shop/payments:2.3.1","imageID":"ghcr.io/shop/payments@sha256:2222",
                  "containerID":"containerd://%s","started":true}]}},
             {"metadata":{"name":"other","namespace":"kube-system","uid":"11111111-2222-3333-4444-555555555555"},
              "spec":{"serviceAccountName":"default","nodeName":"node-a"},
              "status":{"containerStatuses":[{"name":"x","image":"busybox","imageID":"","containerID":""}]}}
            ]}
            """.formatted(POD_UID, INIT, CONTAINER);

    @TempDir
    Path dir;

    private Path proc;
    private HttpServer server;
    private final AtomicReference<String> body = new AtomicReference<>(POD_LIST);
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicReference<String> authorization = new AtomicReference<>();
    private final AtomicLong now = new AtomicLong();
    private final Ticker ticker = now::get;
    private final PollPause advancingPause = d -> now.addAndGet(d.toNanos());

    @BeforeEach
    void setUp() throws Exception {
        proc = dir.resolve("proc");
        cgroup(300, "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
                + POD_UID.replace('-', '_') + ".slice/cri-containerd-" + CONTAINER + ".scope\n");
        cgroup(301, "0::/system.slice/sshd.service\n");
        cgroup(302, "4:memory:/kubepods/besteffort/pod" + POD_UID + "/" + INIT + "\n");
        cgroup(303, "0::/kubepods/besteffort/pod" + POD_UID + "/" + "b".repeat(64) + "\n");
        cgroup(304, "0::/k8s.io/" + INIT + "\n");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void cgroup(int pid, String text) throws Exception {
        Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(proc.resolve(pid + "/cgroup"), text);
    }

    private void serve(HttpServer s) {
        server = s;
        server.createContext("/pods", exchange -> {
            fetches.incrementAndGet();
            authorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(body.get().equals("forbidden") ? 403 : 200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    private K8sAttestor attestor(Map<String, ?> config) throws InvalidConfigException {
        return new K8sAttestorFactory(proc, name -> null, ticker, advancingPause).create(config);
    }

    private K8sAttestor readOnly(Map<String, ?> extra) throws Exception {
        serve(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        Map<String, Object> config = new HashMap<>(extra);
        config.put("kubelet_read_only_port", server.getAddress().getPort());
        return attestor(config);
    }

    private static List<String> strings(List<Selector> selectors) {
        return selectors.stream().map(Selector::toString).toList();
    }

    @Test
    void returnsSpireSelectorsForAPodContainer() throws Exception {
        assertThat(strings(readOnly(Map.of()).attest(300))).containsExactly(
                "k8s:container-image:ghcr.io/shop/payments:2.3.1",
                "k8s:container-image:ghcr.io/shop/payments@sha256:2222",
                "k8s:container-name:app",
                "k8s:node-name:node-a",
                "k8s:ns:shop",
                "k8s:pod-image-count:1",
                "k8s:pod-image:ghcr.io/shop/payments:2.3.1",
                "k8s:pod-image:ghcr.io/shop/payments@sha256:2222",
                "k8s:pod-init-image-count:1",
                "k8s:pod-init-image:ghcr.io/shop/migrate:1",
                "k8s:pod-init-image:ghcr.io/shop/migrate@sha256:1111",
                "k8s:pod-label:app:payments",
                "k8s:pod-label:pod-template-hash:7d9c5b7f6d",
                "k8s:pod-name:payments-7d9c5b7f6d-x2k4j",
                "k8s:pod-owner-uid:ReplicaSet:9a1b2c3d-0000-4000-8000-000000000001",
                "k8s:pod-owner:ReplicaSet:payments-7d9c5b7f6d",
                "k8s:pod-uid:" + POD_UID,
                "k8s:sa:payments");
        assertThat(authorization.get()).isNull();
    }

    @Test
    void initContainersAreFoundAndContainerSelectorsCanBeDisabled() throws Exception {
        assertThat(strings(readOnly(Map.of()).attest(302))).contains("k8s:container-name:migrate");
        assertThat(strings(attestor(Map.of("kubelet_read_only_port", server.getAddress().getPort(),
                "disable_container_selectors", true)).attest(302)))
                .contains("k8s:ns:shop").noneMatch(s -> s.startsWith("k8s:container-"));
    }

    @Test
    void nonPodProcessesNeedNoKubelet() throws Exception {
        assertThat(attestor(Map.of("kubelet_read_only_port", 1)).attest(301)).isEmpty();
    }

    @Test
    void pollsUntilTheContainerAppearsAndCachesThePodList() throws Exception {
        K8sAttestor attestor = readOnly(Map.of("max_poll_attempts", 3, "poll_retry_interval", "1s"));
        assertThatThrownBy(() -> attestor.attest(303)).isInstanceOf(AttestationException.class)
                .hasMessage("k8s: no selectors found after max poll attempts (container " + "b".repeat(64)
                        + ", pod " + POD_UID + ")");
        // Each pause moved the fake clock past the 500ms cache lifetime: one fetch per attempt.
        assertThat(fetches.get()).isEqualTo(3);

        now.addAndGet(Duration.ofSeconds(1).toNanos());
        attestor.attest(300);
        attestor.attest(300);
        assertThat(fetches.get()).isEqualTo(4);
        now.addAndGet(Duration.ofMillis(499).toNanos());
        attestor.attest(300);
        assertThat(fetches.get()).isEqualTo(4);
        now.addAndGet(Duration.ofMillis(1).toNanos());
        attestor.attest(300);
        assertThat(fetches.get()).isEqualTo(5);

        // With container selectors disabled, a known pod answers even before its container is listed.
        K8sAttestor podOnly = attestor(Map.of("kubelet_read_only_port", server.getAddress().getPort(),
                "disable_container_selectors", true));
        assertThat(strings(podOnly.attest(303))).contains("k8s:pod-uid:" + POD_UID);
    }

    @Test
    void hostileKubeletAnswers() throws Exception {
        K8sAttestor attestor = readOnly(Map.of("max_poll_attempts", 1, "max_response_bytes", 1 << 20));
        Map<String, String> cases = Map.of(
                "{\"items\":", "k8s: unable to parse kubelet response: malformed JSON",
                "[]", "k8s: unable to parse kubelet response: not a PodList object",
                "{\"items\":{}}", "k8s: unable to parse kubelet response: items is not an array",
                "{\"items\":[{\"metadata\":{\"uid\":\"" + POD_UID + "\",\"labels\":[]}}]}",
                "k8s: unable to decode pod info from kubelet response: metadata.labels that is not an object",
                "{\"items\":[{\"metadata\":{\"uid\":\"" + POD_UID + "\"},\"status\":{\"containerStatuses\":[7]}}]}",
                "k8s: unable to decode pod info from kubelet response: containerStatuses with an element that is not an object",
                "{\"items\":[{\"metadata\":{\"uid\":\"" + POD_UID + "\",\"name\":5}}]}",
                "k8s: unable to decode pod info from kubelet response: name that is not a string",
                "forbidden", "k8s: unexpected status code on pods response: 403",
                "{\"items\":[" + "{\"metadata\":{\"uid\":\"x\"}},".repeat(60_000) + "{}]}",
                "k8s: kubelet pods response larger than 1048576 bytes");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            body.set(c.getKey());
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            assertThatThrownBy(() -> attestor.attest(300)).isInstanceOf(AttestationException.class)
                    .hasMessage(c.getValue());
        }
    }

    @Test
    void twoPodsClaimingTheContainerIsAnError() throws Exception {
        body.set(POD_LIST.replace("\"uid\":\"11111111-2222-3333-4444-555555555555\"",
                "\"uid\":\"11111111-2222-3333-4444-555555555555\",\"x\":1").replace("\"containerID\":\"\"",
                "\"containerID\":\"containerd://" + INIT + "\""));
        assertThatThrownBy(() -> readOnly(Map.of()).attest(304)).hasMessage("k8s: two pods found with same container Id");
    }

    @Test
    void unreachableAndSilentKubelets() throws Exception {
        K8sAttestor closed = attestor(Map.of("kubelet_read_only_port", 1, "max_poll_attempts", 1));
        assertThatThrownBy(() -> closed.attest(300)).isInstanceOf(AttestationException.class)
                .hasMessageStartingWith("k8s: unable to perform request to the kubelet: java.net.ConnectException");

        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            K8sAttestor attestor = attestor(Map.of("kubelet_read_only_port", silent.getLocalPort(),
                    "request_timeout", "200ms", "max_poll_attempts", 1));
            assertThatThrownBy(() -> attestor.attest(300)).isInstanceOf(AttestationException.class)
                    .hasMessageStartingWith("k8s: unable to perform request to the kubelet: java.net.SocketTimeoutException");
        }
    }

    @Test
    void securePortWithTokenAndCa() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("EC").generateKeyPair();
        X509Certificate cert = selfSigned(key);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("kubelet", key.getPrivate(), new char[0], new X509Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        serve(https);
        Path ca = dir.resolve("ca.crt");
        Files.writeString(ca, Pem.encodeCertificate(cert));
        Path token = dir.resolve("token");
        Files.writeString(token, "eyJhbGciOiJSUzI1NiJ9.payload.sig\n");
        int port = server.getAddress().getPort();

        K8sAttestor attestor = attestor(Map.of("kubelet_secure_port", port, "kubelet_ca_path", ca.toString(),
                "token_path", token.toString()));
        assertThat(strings(attestor.attest(300))).contains("k8s:sa:payments");
        assertThat(authorization.get()).isEqualTo("Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig");

        // A CA that did not issue the kubelet certificate is refused.
        Files.writeString(ca, Pem.encodeCertificate(selfSigned(KeyPairGenerator.getInstance("EC").generateKeyPair())));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        K8sAttestor wrongCa = attestor(Map.of("kubelet_secure_port", port, "kubelet_ca_path", ca.toString(),
                "token_path", token.toString(), "max_poll_attempts", 1));
        assertThatThrownBy(() -> wrongCa.attest(300)).isInstanceOf(AttestationException.class)
                .hasMessageStartingWith("k8s: unable to perform request to the kubelet: javax.net.ssl.SSLHandshakeException");

        // Unless verification is skipped, as the operator may choose.
        K8sAttestor skip = attestor(Map.of("kubelet_secure_port", port, "skip_kubelet_verification", true,
                "use_anonymous_authentication", true));
        assertThat(strings(skip.attest(300))).contains("k8s:ns:shop");
        assertThat(authorization.get()).isNull();
    }

    private static X509Certificate selfSigned(KeyPair key) throws Exception {
        X500Name name = new X500Name("CN=kubelet");
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                new Date(System.currentTimeMillis() - 60_000), new Date(System.currentTimeMillis() + 3_600_000), name,
                key.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }

    @Test
    void configIsValidatedAllAtOnce() {
        assertThatThrownBy(() -> K8sAttestorFactory.validate(Map.of("kubelet_read_only_port", 10255,
                "kubelet_secure_port", 10250, "certificate_path", "/c", "use_anonymous_authentication", true,
                "poll_retry_interval", "soon", "bogus", 1), name -> null))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "unknown configuration key bogus",
                        "poll_retry_interval must be a duration such as \"500ms\" or \"1m30s\"",
                        "cannot use both the read-only and secure port",
                        "the private key path is required with the certificate path",
                        "use_anonymous_authentication cannot be combined with token_path, certificate_path or private_key_path"));
    }

    @Test
    void defaultsFollowSpire() throws Exception {
        K8sAttestorConfig config = K8sAttestorFactory.validate(Map.of(), name -> name.equals("MY_NODE_NAME") ? "node-a" : null);
        assertThat(config.secure()).isTrue();
        assertThat(config.port()).isEqualTo(10250);
        assertThat(config.host()).isEqualTo("node-a");
        assertThat(config.verifyHostname()).isTrue();
        assertThat(config.tokenPath()).contains(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token"));
        assertThat(config.maxPollAttempts()).isEqualTo(60);
        assertThat(config.pollRetryInterval()).isEqualTo(Duration.ofMillis(500));
        K8sAttestorConfig local = K8sAttestorFactory.validate(Map.of(), name -> null);
        assertThat(local.host()).isEqualTo("127.0.0.1");
        assertThat(local.verifyHostname()).isFalse();
    }
}
