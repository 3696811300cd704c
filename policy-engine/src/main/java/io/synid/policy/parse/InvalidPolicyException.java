package io.synid.policy.parse;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when policy files are rejected; carries every error found, in file order. */
public final class InvalidPolicyException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient List<PolicyError> errors;

    InvalidPolicyException(List<PolicyError> errors) {
        super(errors.size() + " error(s) in policy files:\n"
                + errors.stream().map(PolicyError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    /** The errors, at least one. */
    public List<PolicyError> errors() {
        return errors;
    }
}
