package io.synid.workloadattestor;

import java.util.Map;

/**
 * Builds one kind of {@link WorkloadAttestor} from its raw configuration (the {@code plugin_data}
 * block of the agent configuration, already decoded to maps, lists, strings, numbers and booleans).
 *
 * <p>A factory validates the whole configuration before building anything and reports every
 * problem at once; unknown keys are problems too.
 */
public interface WorkloadAttestorFactory {

    /** The plugin name this factory builds, as written in the agent configuration. */
    String name();

    /**
     * Validates {@code rawConfig} and builds the attestor.
     *
     * @param rawConfig the decoded {@code plugin_data}; empty for defaults
     * @throws InvalidConfigException listing every problem found
     */
    WorkloadAttestor create(Map<String, ?> rawConfig) throws InvalidConfigException;
}
