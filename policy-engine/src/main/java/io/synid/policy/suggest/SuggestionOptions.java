package io.synid.policy.suggest;

import io.synid.policy.model.Mode;
import java.util.Objects;

/**
 * How suggestions are made.
 *
 * @param mode the mode of the suggested policies (review first: {@link Mode#MONITOR} by default)
 * @param groupByPrefix also collapse sources that share a parent path into a {@code
 *     spiffe_id_prefix} when that is broader than what was seen (off: only exact collapses)
 * @param includeDenied also allow flows that were refused (off: a refusal in enforce mode is not
 *     evidence that the flow should be allowed)
 */
public record SuggestionOptions(Mode mode, boolean groupByPrefix, boolean includeDenied) {

    /** Monitor mode, exact collapses only, refused flows left out. */
    public static final SuggestionOptions DEFAULT = new SuggestionOptions(Mode.MONITOR, false, false);

    /** Validates. */
    public SuggestionOptions {
        Objects.requireNonNull(mode, "mode");
    }
}
