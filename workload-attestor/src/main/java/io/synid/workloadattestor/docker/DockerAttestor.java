package io.synid.workloadattestor.docker;

import io.synid.core.selector.InvalidSelectorException;
import io.synid.core.selector.Selector;
import io.synid.workloadattestor.AttestationException;
import io.synid.workloadattestor.WorkloadAttestor;
import io.synid.workloadattestor.cgroup.ContainerLocator;
import io.synid.workloadattestor.cgroup.ContainerRef;
import io.synid.workloadattestor.proc.ProcessFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code docker} attestor. A process outside any container yields no selectors. For a
 * container it returns, as SPIRE does, {@code docker:label:<key>:<value>} per label,
 * {@code docker:env:<KEY=value>} per environment entry, {@code docker:image_id:<Config.Image>}
 * (the image reference, e.g. {@code nginx:1.27}, not the image id) and, when the image inspect
 * succeeds, {@code docker:image_config_digest:<sha256:...>}.
 *
 * <p>Labels and environment are controlled by whoever starts the container; a label or variable
 * that no registration entry could hold (control characters, over 1024 characters) is left out.
 * Selectors are sorted so the output is deterministic.
 */
public final class DockerAttestor implements WorkloadAttestor {

    /** The plugin name and selector type. */
    public static final String NAME = "docker";

    private final ProcessFiles proc;
    private final ContainerLocator locator;
    private final DockerEngineClient engine;

    DockerAttestor(ProcessFiles proc, ContainerLocator locator, DockerEngineClient engine) {
        this.proc = proc;
        this.locator = locator;
        this.engine = engine;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Selector> attest(int pid) throws AttestationException {
        Optional<ContainerRef> container = locator.locate(proc.cgroups(pid));
        if (container.isEmpty()) {
            return List.of();
        }
        ContainerInspection inspection = engine.inspectContainer(container.get().containerId());
        List<Selector> selectors = new ArrayList<>();
        for (Map.Entry<String, String> label : inspection.labels().entrySet()) {
            add(selectors, "label:" + label.getKey() + ":" + label.getValue());
        }
        for (String env : inspection.env()) {
            add(selectors, "env:" + env);
        }
        if (inspection.image().isPresent()) {
            String image = inspection.image().get();
            add(selectors, "image_id:" + image);
            // SPIRE treats this second call as optional: a failure only drops this one selector.
            try {
                engine.imageConfigDigest(image).ifPresent(digest -> add(selectors, "image_config_digest:" + digest));
            } catch (AttestationException e) {
                // Deliberately ignored, as in SPIRE.
            }
        }
        selectors.sort(null);
        return selectors;
    }

    private static void add(List<Selector> selectors, String value) {
        try {
            selectors.add(Selector.of(NAME, value));
        } catch (InvalidSelectorException e) {
            // Cannot match any entry, since entries are validated with the same rules.
        }
    }
}
