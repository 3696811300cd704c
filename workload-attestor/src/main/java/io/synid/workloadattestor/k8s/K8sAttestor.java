package io.synid.workloadattestor.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.synid.core.selector.InvalidSelectorException;
import io.synid.core.selector.Selector;
import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.WorkloadAttestor;
import io.synid.workloadattestor.cgroup.ContainerLocator;
import io.synid.workloadattestor.cgroup.ContainerRef;
import io.synid.workloadattestor.proc.ProcessFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code k8s} attestor. A process outside any container yields no selectors. Otherwise the
 * pod holding its container is looked up in the kubelet's pod list, polling up to
 * {@code max_poll_attempts} times {@code poll_retry_interval} apart while the container is not
 * listed yet (it may still be starting), and the result is, as in SPIRE:
 *
 * <ul>
 *   <li>pod: {@code k8s:sa:}, {@code k8s:ns:}, {@code k8s:node-name:}, {@code k8s:pod-uid:},
 *       {@code k8s:pod-name:}, {@code k8s:pod-image-count:}, {@code k8s:pod-init-image-count:},
 *       {@code k8s:pod-image:} and {@code k8s:pod-init-image:} (each image and image id),
 *       {@code k8s:pod-label:<key>:<value>}, {@code k8s:pod-owner:<kind>:<name>},
 *       {@code k8s:pod-owner-uid:<kind>:<uid>};</li>
 *   <li>container, unless {@code disable_container_selectors}: {@code k8s:container-name:},
 *       {@code k8s:container-image:} (image and image id).</li>
 * </ul>
 *
 * <p>With {@code disable_container_selectors} and a pod UID known from the cgroup, the pod
 * selectors are returned even before the container is listed. Two pods claiming the container is
 * an error. The pod list is cached for half the poll interval (Caffeine, injected ticker), and a
 * fetch is shared by concurrent attestations. Empty image strings (a container still pulling) are
 * not turned into selectors.
 */
public final class K8sAttestor implements WorkloadAttestor {

    /** The plugin name and selector type. */
    public static final String NAME = "k8s";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final K8sAttestorConfig config;
    private final ProcessFiles proc;
    private final ContainerLocator locator;
    private final KubeletClient kubelet;
    private final PollPause pause;
    private final Cache<Boolean, Map<String, JsonNode>> podLists;

    K8sAttestor(K8sAttestorConfig config, ProcessFiles proc, ContainerLocator locator, KubeletClient kubelet,
            Ticker ticker, PollPause pause) {
        this.config = config;
        this.proc = proc;
        this.locator = locator;
        this.kubelet = kubelet;
        this.pause = pause;
        this.podLists = Caffeine.newBuilder()
                .expireAfterWrite(config.pollRetryInterval().dividedBy(2))
                .ticker(ticker)
                .maximumSize(1)
                .build();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Selector> attest(int pid) throws AttestationException {
        Optional<ContainerRef> located = locator.locate(proc.cgroups(pid));
        if (located.isEmpty()) {
            return List.of();
        }
        String containerId = located.get().containerId();
        Optional<String> podUid = located.get().podUid();
        for (int attempt = 1; ; attempt++) {
            List<Selector> found = null;
            for (Map.Entry<String, JsonNode> item : podList().entrySet()) {
                if (podUid.isPresent() && !podUid.get().equals(item.getKey())) {
                    continue;
                }
                Pod pod = Pod.parse(item.getValue());
                Optional<Pod.ContainerStatus> container = pod.container(containerId);
                List<Selector> selectors = new ArrayList<>();
                if (container.isPresent()) {
                    selectors.addAll(podSelectors(pod));
                    if (!config.disableContainerSelectors()) {
                        selectors.addAll(containerSelectors(container.get()));
                    }
                } else if (podUid.isPresent() && config.disableContainerSelectors()) {
                    selectors.addAll(podSelectors(pod));
                }
                if (!selectors.isEmpty()) {
                    if (found != null) {
                        throw new AttestationException(NAME + ": two pods found with same container Id");
                    }
                    found = selectors;
                }
            }
            if (found != null) {
                return List.copyOf(new TreeSet<>(found));
            }
            if (attempt >= config.maxPollAttempts()) {
                throw new AttestationException(NAME + ": no selectors found after max poll attempts (container "
                        + containerId + podUid.map(uid -> ", pod " + uid).orElse("") + ")");
            }
            try {
                pause.pause(config.pollRetryInterval());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AttestationException(NAME + ": interrupted while waiting for the container to appear", e);
            }
        }
    }

    /** The pod list keyed by pod UID, from the cache or one shared fetch. */
    private Map<String, JsonNode> podList() throws AttestationException {
        try {
            return podLists.get(Boolean.TRUE, key -> {
                try {
                    return index(kubelet.fetchPods());
                } catch (AttestationException e) {
                    throw new FetchFailure(e);
                }
            });
        } catch (FetchFailure e) {
            throw (AttestationException) e.getCause();
        }
    }

    static Map<String, JsonNode> index(byte[] body) throws AttestationException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new AttestationException(NAME + ": unable to parse kubelet response: malformed JSON", e);
        } catch (IOException e) {
            throw new AttestationException(NAME + ": unable to parse kubelet response: " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw new AttestationException(NAME + ": unable to parse kubelet response: not a PodList object");
        }
        JsonNode items = root.get("items");
        Map<String, JsonNode> pods = new LinkedHashMap<>();
        if (items == null || items.isNull()) {
            return pods;
        }
        if (!items.isArray()) {
            throw new AttestationException(NAME + ": unable to parse kubelet response: items is not an array");
        }
        for (JsonNode pod : items) {
            JsonNode uid = pod.path("metadata").path("uid");
            // As SPIRE: an item without a UID cannot be matched and is skipped.
            if (uid.isTextual() && !uid.asText().isEmpty()) {
                pods.put(uid.asText(), pod);
            }
        }
        return pods;
    }

    private static List<Selector> podSelectors(Pod pod) {
        List<Selector> out = new ArrayList<>();
        add(out, "sa:" + pod.serviceAccountName());
        add(out, "ns:" + pod.namespace());
        add(out, "node-name:" + pod.nodeName());
        add(out, "pod-uid:" + pod.uid());
        add(out, "pod-name:" + pod.name());
        add(out, "pod-image-count:" + pod.containerStatuses().size());
        add(out, "pod-init-image-count:" + pod.initContainerStatuses().size());
        for (String image : images(pod.containerStatuses())) {
            add(out, "pod-image:" + image);
        }
        for (String image : images(pod.initContainerStatuses())) {
            add(out, "pod-init-image:" + image);
        }
        for (Map.Entry<String, String> label : pod.labels().entrySet()) {
            add(out, "pod-label:" + label.getKey() + ":" + label.getValue());
        }
        for (Pod.Owner owner : pod.owners()) {
            add(out, "pod-owner:" + owner.kind() + ":" + owner.name());
            add(out, "pod-owner-uid:" + owner.kind() + ":" + owner.uid());
        }
        return out;
    }

    private static List<Selector> containerSelectors(Pod.ContainerStatus container) {
        List<Selector> out = new ArrayList<>();
        add(out, "container-name:" + container.name());
        for (String image : images(List.of(container))) {
            add(out, "container-image:" + image);
        }
        return out;
    }

    // Both the tag-based image and the digest-based image id, as SPIRE does, so entries can
    // match either form.
    private static Set<String> images(List<Pod.ContainerStatus> statuses) {
        Set<String> images = new LinkedHashSet<>();
        for (Pod.ContainerStatus status : statuses) {
            if (!status.imageId().isEmpty()) {
                images.add(status.imageId());
            }
            if (!status.image().isEmpty()) {
                images.add(status.image());
            }
        }
        return images;
    }

    private static void add(List<Selector> out, String value) {
        try {
            out.add(Selector.of(NAME, value));
        } catch (InvalidSelectorException e) {
            // A label no registration entry could hold cannot match one either.
        }
    }

    /** Carries a checked failure out of Caffeine's loading function. */
    private static final class FetchFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FetchFailure(AttestationException cause) {
            super(cause);
        }
    }
}
