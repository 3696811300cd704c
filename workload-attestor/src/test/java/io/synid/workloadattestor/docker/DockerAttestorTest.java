package io.synid.workloadattestor.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.core.selector.Selector;
import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DockerAttestorTest {

    private static final String ID = "8d5b2a1f3c4e5d6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c";

    // Trimmed from a real `docker inspect` (Engine API 1.43): the fields we use, plus neighbours.
    private static final String INSPECT = """
            {"Id":"%s","Created":"2024-05-01T10:00:00.000000000Z","Path":"nginx","Args":["-g","daemon off;"],
             "State":{"Status":"running","Running":true,"Pid":4242},
             "Image":"sha256:7383c266ef252ad70806f3072ee8e63d2a16d1e6bafa6146a2da867fc7c41759",
             "Name":"/web","RestartCount":0,"Driver":"overlay2",
             "Config":{"Hostname":"8d5b2a1f3c4e","User":"","Env":["PATH=/usr/local/sbin:/usr/bin","NGINX_VERSION=1.27.0"],
               "Cmd":["nginx","-g","daemon off;"],"Image":"nginx:1.27","WorkingDir":"","Entrypoint":["/docker-entrypoint.sh"],
               "Labels":{"com.example.team":"payments","maintainer":"NGINX Docker Maintainers <docker-maint@nginx.com>"}},
             "NetworkSettings":{"Networks":{}}}
            """.formatted(ID);

    private static final String IMAGE = """
            {"Id":"sha256:7383c266ef252ad70806f3072ee8e63d2a16d1e6bafa6146a2da867fc7c41759","RepoTags":["nginx:1.27"]}
            """;

    @TempDir
    Path dir;

    private Path proc;
    private Path socket;

    @BeforeEach
    void setUp() throws Exception {
        proc = dir.resolve("proc");
        socket = dir.resolve("docker.sock");
        cgroup(200, "0::/system.slice/docker-" + ID + ".scope\n");
        cgroup(201, "0::/user.slice/user-1000.slice/session-2.scope\n");
    }

    private void cgroup(int pid, String text) throws Exception {
        Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(proc.resolve(pid + "/cgroup"), text);
    }

    private DockerAttestor attestor(Map<String, ?> extra) throws InvalidConfigException {
        Map<String, Object> config = new java.util.HashMap<>(extra);
        config.put("docker_socket_path", "unix://" + socket);
        return new DockerAttestorFactory(proc).create(config);
    }

    private static List<String> strings(List<Selector> selectors) {
        return selectors.stream().map(Selector::toString).toList();
    }

    @Test
    void returnsLabelEnvImageAndDigestSelectors() throws Exception {
        try (FakeEngineApi api = new FakeEngineApi(socket, path -> path.startsWith("/containers/")
                ? FakeEngineApi.json(200, INSPECT) : FakeEngineApi.json(200, IMAGE))) {
            assertThat(strings(attestor(Map.of()).attest(200))).containsExactly(
                    "docker:env:NGINX_VERSION=1.27.0",
                    "docker:env:PATH=/usr/local/sbin:/usr/bin",
                    "docker:image_config_digest:sha256:7383c266ef252ad70806f3072ee8e63d2a16d1e6bafa6146a2da867fc7c41759",
                    "docker:image_id:nginx:1.27",
                    "docker:label:com.example.team:payments",
                    "docker:label:maintainer:NGINX Docker Maintainers <docker-maint@nginx.com>");
            assertThat(api.requests).containsExactly("GET /containers/" + ID + "/json HTTP/1.1",
                    "GET /images/nginx:1.27/json HTTP/1.1");
        }
    }

    @Test
    void versionedPathsAndChunkedResponses() throws Exception {
        try (FakeEngineApi api = new FakeEngineApi(socket, path -> path.contains("/containers/")
                ? FakeEngineApi.chunked(INSPECT) : FakeEngineApi.json(404, "{\"message\":\"No such image\"}"))) {
            List<String> selectors = strings(attestor(Map.of("docker_version", "1.43")).attest(200));
            assertThat(selectors).contains("docker:image_id:nginx:1.27", "docker:label:com.example.team:payments")
                    .noneMatch(s -> s.startsWith("docker:image_config_digest:"));
            assertThat(api.requests.get(0)).isEqualTo("GET /v1.43/containers/" + ID + "/json HTTP/1.1");
        }
    }

    @Test
    void processOutsideAContainerNeedsNoDaemon() throws Exception {
        assertThat(attestor(Map.of()).attest(201)).isEmpty();
    }

    @Test
    void unrepresentableLabelsAreLeftOut() throws Exception {
        String inspect = "{\"Config\":{\"Labels\":{\"evil\":\"a\\nb\",\"ok\":\"1\"},\"Env\":null,\"Image\":\"\"}}";
        try (FakeEngineApi api = new FakeEngineApi(socket, path -> FakeEngineApi.json(200, inspect))) {
            assertThat(strings(attestor(Map.of()).attest(200))).containsExactly("docker:label:ok:1");
        }
    }

    static Stream<Arguments> hostileDaemons() {
        String prefix = "docker: container inspect of " + ID + " ";
        return Stream.of(
                Arguments.of("not found", (Function<String, byte[]>) p -> FakeEngineApi.json(404,
                        "{\"message\":\"No such container: " + ID + "\"}"),
                        prefix + "failed: HTTP 404: No such container: " + ID),
                Arguments.of("malformed JSON", (Function<String, byte[]>) p -> FakeEngineApi.json(200, "{\"Config\":"),
                        prefix + "returned malformed JSON"),
                Arguments.of("JSON array", (Function<String, byte[]>) p -> FakeEngineApi.json(200, "[]"),
                        prefix + "returned JSON that is not an object"),
                Arguments.of("no Config", (Function<String, byte[]>) p -> FakeEngineApi.json(200, "{}"),
                        prefix + "has no Config object"),
                Arguments.of("Labels of the wrong type",
                        (Function<String, byte[]>) p -> FakeEngineApi.json(200, "{\"Config\":{\"Labels\":[1]}}"),
                        prefix + "has Config.Labels that is not an object"),
                Arguments.of("Env element of the wrong type",
                        (Function<String, byte[]>) p -> FakeEngineApi.json(200, "{\"Config\":{\"Env\":[1]}}"),
                        prefix + "has a non-string Config.Env element"),
                Arguments.of("closed without answering", (Function<String, byte[]>) p -> new byte[0],
                        prefix + "failed: malformed HTTP response: connection closed before the response headers ended"),
                Arguments.of("truncated body",
                        (Function<String, byte[]>) p -> FakeEngineApi.raw("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{}"),
                        prefix + "failed: malformed HTTP response: connection closed before the body ended"),
                Arguments.of("not HTTP", (Function<String, byte[]>) p -> FakeEngineApi.raw("SSH-2.0-OpenSSH\r\n\r\n"),
                        prefix + "failed: malformed HTTP response: not an HTTP/1.x status line"),
                Arguments.of("bad chunk",
                        (Function<String, byte[]>) p -> FakeEngineApi.raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
                        prefix + "failed: malformed HTTP response: invalid chunk size"),
                Arguments.of("huge body", (Function<String, byte[]>) p -> FakeEngineApi.json(200,
                        "{\"Config\":{\"Env\":[\"" + "A".repeat(5000) + "\"]}}"),
                        prefix + "failed: response larger than 4096 bytes"),
                Arguments.of("never answers", (Function<String, byte[]>) p -> null,
                        prefix + "failed: timed out after 200 ms reading the response"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileDaemons")
    void hostileDaemonsGiveSpecificErrors(String name, Function<String, byte[]> handler, String message) throws Exception {
        try (FakeEngineApi api = new FakeEngineApi(socket, handler)) {
            DockerAttestor attestor = attestor(Map.of("timeout", "200ms", "max_response_bytes", 4096));
            assertThatThrownBy(() -> attestor.attest(200)).isInstanceOf(AttestationException.class).hasMessage(message);
        }
    }

    @Test
    void missingSocketIsAnError() throws Exception {
        assertThatThrownBy(() -> attestor(Map.of()).attest(200)).isInstanceOf(AttestationException.class)
                .hasMessageStartingWith("docker: container inspect of " + ID + " failed: java.net.SocketException");
    }

    @Test
    void configIsValidatedAllAtOnce() {
        assertThatThrownBy(() -> DockerAttestorFactory.validate(Map.of("docker_socket_path", "tcp://1.2.3.4:2375",
                "docker_version", "latest", "timeout", "0", "max_response_bytes", 1,
                "container_id_cgroup_matchers", List.of("/docker/<id>"), "use_new_container_locator", false)))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "container_id_cgroup_matchers is not supported: containers are located with SPIRE's default (new) "
                                + "container locator",
                        "use_new_container_locator = false is not supported",
                        "docker_socket_path must be an absolute unix:// address such as unix:///var/run/docker.sock",
                        "docker_version must look like 1.43",
                        "timeout must be positive",
                        "max_response_bytes must be between 1024 and 268435456"));
    }

    @Test
    void defaultsAreSpireDefaults() throws Exception {
        DockerAttestorConfig config = DockerAttestorFactory.validate(Map.of());
        assertThat(config.socketPath()).isEqualTo(Path.of("/var/run/docker.sock"));
        assertThat(config.apiVersion()).isEmpty();
    }

    @Test
    void imageReferencesArePercentEncodedOutsideTheirAlphabet() {
        assertThat(DockerEngineClient.encodePath("registry:5000/team/app@sha256:ab")).isEqualTo("registry:5000/team/app@sha256:ab");
        assertThat(DockerEngineClient.encodePath("a b?#%")).isEqualTo("a%20b%3F%23%25");
    }
}
