package io.synid.workloadattestor;

import java.util.List;

/**
 * Thrown by a factory when a plugin's raw configuration is invalid. It carries every problem
 * found, not just the first, so an operator fixes the configuration in one pass.
 */
public final class InvalidConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String plugin;
    private final List<String> problems;

    /**
     * Creates the exception.
     *
     * @param plugin the plugin whose configuration was rejected
     * @param problems one message per problem, in the order found; not empty
     */
    public InvalidConfigException(String plugin, List<String> problems) {
        super("workload attestor \"" + plugin + "\" configuration is invalid: " + String.join("; ", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems must not be empty");
        }
        this.plugin = plugin;
        this.problems = List.copyOf(problems);
    }

    /** The plugin whose configuration was rejected. */
    public String plugin() {
        return plugin;
    }

    /** Every problem found, in the order found. */
    public List<String> problems() {
        return problems;
    }
}
