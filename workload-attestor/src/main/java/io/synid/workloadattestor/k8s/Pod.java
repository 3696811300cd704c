package io.synid.workloadattestor.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.synid.workloadattestor.AttestationException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fields of a Kubernetes {@code Pod} (one item of the kubelet's PodList) that become
 * selectors. Parsing is strict about types: a field of the wrong JSON type is an error, a missing
 * optional field is empty.
 */
record Pod(String uid, String name, String namespace, Map<String, String> labels, List<Owner> owners,
        String serviceAccountName, String nodeName, List<ContainerStatus> containerStatuses,
        List<ContainerStatus> initContainerStatuses) {

    /** One {@code metadata.ownerReferences} element. */
    record Owner(String kind, String name, String uid) {
    }

    /** One {@code status.containerStatuses} or {@code status.initContainerStatuses} element. */
    record ContainerStatus(String name, String image, String imageId, String containerId) {

        /**
         * The id part of {@code containerID} ({@code containerd://<id>}, {@code cri-o://<id>},
         * {@code docker://<id>}): what SPIRE compares, the URL's host.
         */
        Optional<String> runtimeId() {
            int scheme = containerId.indexOf("://");
            if (scheme < 0) {
                return Optional.empty();
            }
            String rest = containerId.substring(scheme + 3);
            int end = rest.length();
            for (char stop : new char[] {'/', '?', '#'}) {
                int at = rest.indexOf(stop);
                if (at >= 0 && at < end) {
                    end = at;
                }
            }
            return Optional.of(rest.substring(0, end)).filter(s -> !s.isEmpty());
        }
    }

    Pod {
        labels = Map.copyOf(labels);
        owners = List.copyOf(owners);
        containerStatuses = List.copyOf(containerStatuses);
        initContainerStatuses = List.copyOf(initContainerStatuses);
    }

    /** The status of the container with runtime id {@code containerId}, regular containers first. */
    Optional<ContainerStatus> container(String containerId) {
        for (List<ContainerStatus> statuses : List.of(containerStatuses, initContainerStatuses)) {
            for (ContainerStatus status : statuses) {
                if (status.runtimeId().filter(containerId::equals).isPresent()) {
                    return Optional.of(status);
                }
            }
        }
        return Optional.empty();
    }

    /** Parses one PodList item. */
    static Pod parse(JsonNode pod) throws AttestationException {
        if (!pod.isObject()) {
            throw invalid("a pod that is not an object");
        }
        JsonNode metadata = object(pod, "metadata");
        JsonNode spec = object(pod, "spec");
        JsonNode status = object(pod, "status");
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode labelsNode = metadata.get("labels");
        if (labelsNode != null && !labelsNode.isNull()) {
            if (!labelsNode.isObject()) {
                throw invalid("metadata.labels that is not an object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = labelsNode.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> label = it.next();
                if (!label.getValue().isTextual()) {
                    throw invalid("a label value that is not a string");
                }
                labels.put(label.getKey(), label.getValue().asText());
            }
        }
        List<Owner> owners = new ArrayList<>();
        for (JsonNode owner : array(metadata, "ownerReferences")) {
            owners.add(new Owner(text(owner, "kind"), text(owner, "name"), text(owner, "uid")));
        }
        return new Pod(text(metadata, "uid"), text(metadata, "name"), text(metadata, "namespace"), labels, owners,
                text(spec, "serviceAccountName"), text(spec, "nodeName"),
                statuses(status, "containerStatuses"), statuses(status, "initContainerStatuses"));
    }

    private static List<ContainerStatus> statuses(JsonNode status, String field) throws AttestationException {
        List<ContainerStatus> out = new ArrayList<>();
        for (JsonNode s : array(status, field)) {
            out.add(new ContainerStatus(text(s, "name"), text(s, "image"), text(s, "imageID"), text(s, "containerID")));
        }
        return out;
    }

    private static JsonNode object(JsonNode parent, String field) throws AttestationException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        if (!node.isObject()) {
            throw invalid(field + " that is not an object");
        }
        return node;
    }

    private static List<JsonNode> array(JsonNode parent, String field) throws AttestationException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw invalid(field + " that is not an array");
        }
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode element : node) {
            if (!element.isObject()) {
                throw invalid(field + " with an element that is not an object");
            }
            out.add(element);
        }
        return out;
    }

    private static String text(JsonNode parent, String field) throws AttestationException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return "";
        }
        if (!node.isTextual()) {
            throw invalid(field + " that is not a string");
        }
        return node.asText();
    }

    private static AttestationException invalid(String what) {
        return new AttestationException(K8sAttestor.NAME + ": unable to decode pod info from kubelet response: " + what);
    }
}
