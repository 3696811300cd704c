package io.synid.workloadattestor.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synid.workloadattestor.AttestationException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The two Engine API calls the attestor makes: container inspect and image inspect. Every
 * failure, including a well-formed response of the wrong shape, is an
 * {@link AttestationException} that names the call.
 */
class DockerEngineClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final UnixSocketHttpClient http;
    private final String prefix;

    DockerEngineClient(DockerAttestorConfig config) {
        this.http = new UnixSocketHttpClient(config.socketPath(), config.timeout(), config.maxResponseBytes());
        this.prefix = config.apiVersion().map(v -> "/v" + v).orElse("");
    }

    /** {@code GET /containers/{id}/json}; {@code containerId} is 64 hex digits. */
    ContainerInspection inspectContainer(String containerId) throws AttestationException {
        JsonNode root = getJson("/containers/" + containerId + "/json", "container inspect of " + containerId);
        JsonNode config = root.get("Config");
        if (config == null || config.isNull()) {
            throw invalid(containerId, "has no Config object");
        }
        if (!config.isObject()) {
            throw invalid(containerId, "has a Config that is not an object");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode labelsNode = config.get("Labels");
        if (labelsNode != null && !labelsNode.isNull()) {
            if (!labelsNode.isObject()) {
                throw invalid(containerId, "has Config.Labels that is not an object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = labelsNode.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> label = it.next();
                if (!label.getValue().isTextual()) {
                    throw invalid(containerId, "has a non-string label value");
                }
                labels.put(label.getKey(), label.getValue().asText());
            }
        }
        List<String> env = new ArrayList<>();
        JsonNode envNode = config.get("Env");
        if (envNode != null && !envNode.isNull()) {
            if (!envNode.isArray()) {
                throw invalid(containerId, "has Config.Env that is not an array");
            }
            for (JsonNode e : envNode) {
                if (!e.isTextual()) {
                    throw invalid(containerId, "has a non-string Config.Env element");
                }
                env.add(e.asText());
            }
        }
        JsonNode imageNode = config.get("Image");
        Optional<String> image = Optional.empty();
        if (imageNode != null && !imageNode.isNull()) {
            if (!imageNode.isTextual()) {
                throw invalid(containerId, "has Config.Image that is not a string");
            }
            image = Optional.of(imageNode.asText()).filter(s -> !s.isEmpty());
        }
        return new ContainerInspection(labels, env, image);
    }

    /**
     * {@code GET /images/{name}/json}: the image's {@code Id}, its config digest
     * ({@code sha256:...}). Empty when the image is unknown or the answer has no usable id.
     */
    Optional<String> imageConfigDigest(String image) throws AttestationException {
        JsonNode root = getJson("/images/" + encodePath(image) + "/json", "image inspect of " + image);
        JsonNode id = root.get("Id");
        return id != null && id.isTextual() && !id.asText().isEmpty() ? Optional.of(id.asText()) : Optional.empty();
    }

    private JsonNode getJson(String path, String what) throws AttestationException {
        HttpResponse response;
        try {
            response = http.get(prefix + path);
        } catch (UnixSocketHttpClient.HttpException e) {
            throw new AttestationException(DockerAttestor.NAME + ": " + what + " failed: " + e.getMessage(), e);
        }
        if (response.status() != 200) {
            throw new AttestationException(DockerAttestor.NAME + ": " + what + " failed: HTTP " + response.status()
                    + errorMessage(response.body()));
        }
        try {
            JsonNode root = JSON.readTree(response.body());
            if (root == null || !root.isObject()) {
                throw new AttestationException(DockerAttestor.NAME + ": " + what + " returned JSON that is not an object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new AttestationException(DockerAttestor.NAME + ": " + what + " returned malformed JSON", e);
        } catch (java.io.IOException e) {
            throw new AttestationException(DockerAttestor.NAME + ": " + what + " returned unreadable JSON", e);
        }
    }

    // The Engine API reports errors as {"message": "..."}; quote a bounded, single-line excerpt.
    private static String errorMessage(byte[] body) {
        try {
            JsonNode message = JSON.readTree(body).get("message");
            if (message != null && message.isTextual()) {
                String text = message.asText().replaceAll("\\p{Cntrl}", " ");
                return ": " + (text.length() > 200 ? text.substring(0, 200) + "..." : text);
            }
        } catch (java.io.IOException | RuntimeException e) {
            // Not the documented error shape: the status alone is the message.
        }
        return "";
    }

    private static AttestationException invalid(String containerId, String what) {
        return new AttestationException(DockerAttestor.NAME + ": container inspect of " + containerId + " " + what);
    }

    /** Percent-encodes everything but the characters of an image reference. */
    static String encodePath(String reference) {
        StringBuilder out = new StringBuilder();
        for (byte b : reference.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-' || c == '/' || c == ':' || c == '@') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
