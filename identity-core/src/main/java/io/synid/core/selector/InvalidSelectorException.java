package io.synid.core.selector;

/**
 * Thrown when a string is not a valid selector.
 *
 * <p>The message is always exactly one of the constants declared here. Messages never echo the
 * rejected input.
 */
public final class InvalidSelectorException extends Exception {

    private static final long serialVersionUID = 1L;

    /** No colon separates the type from the value. */
    public static final String MISSING_COLON = "selector must have the form type:value";

    /** Nothing before the first colon. */
    public static final String EMPTY_TYPE = "selector type cannot be empty";

    /** Nothing after the first colon. */
    public static final String EMPTY_VALUE = "selector value cannot be empty";

    /** A type given to {@link Selector#of} contains a colon, which would make it ambiguous. */
    public static final String TYPE_CONTAINS_COLON = "selector type cannot contain a colon";

    /** A character below U+0020, U+007F, or a C1 control character (U+0080 to U+009F). */
    public static final String CONTROL_CHARACTER = "selector cannot contain control characters";

    /** {@code type:value} is longer than {@link Selector#MAX_LENGTH} characters. */
    public static final String TOO_LONG = "selector cannot be longer than 1024 characters";

    InvalidSelectorException(String message) {
        super(message);
    }
}
