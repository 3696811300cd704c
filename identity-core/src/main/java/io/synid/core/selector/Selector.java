package io.synid.core.selector;

import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;

/**
 * A selector: a typed attribute of a node or workload, such as {@code unix:uid:1000} or
 * {@code k8s:ns:default}, written {@code type:value}.
 *
 * <p>The type is everything before the first colon and the value everything after it, so the
 * value may itself contain colons ({@code k8s:ns:default} has type {@code k8s} and value
 * {@code ns:default}), as in SPIRE. Both parts are non-empty, the type has no colon, neither part
 * contains control characters, and {@code type:value} is at most {@value #MAX_LENGTH} characters.
 *
 * <p>The canonical constructor enforces these rules with {@link IllegalArgumentException} (for
 * values built by code); use {@link #parse} or {@link #of} for untrusted input.
 *
 * @param type the selector type, for example {@code unix} or {@code k8s}
 * @param value the selector value, for example {@code uid:1000}
 */
public record Selector(String type, String value) implements Comparable<Selector> {

    /** Maximum length of {@code type:value}, in characters. */
    public static final int MAX_LENGTH = 1024;

    private static final Comparator<Selector> ORDER =
            Comparator.comparing(Selector::type).thenComparing(Selector::value);

    /**
     * Creates a selector.
     *
     * @throws IllegalArgumentException when the parts break a rule of the class documentation
     */
    public Selector {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        Optional<String> problem = problem(type, value);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
    }

    /**
     * Parses {@code type:value}, splitting at the first colon.
     *
     * @param selector the untrusted input
     * @return the selector
     * @throws InvalidSelectorException with one of the constants of {@link InvalidSelectorException}
     */
    public static Selector parse(String selector) throws InvalidSelectorException {
        Objects.requireNonNull(selector, "selector");
        if (selector.length() > MAX_LENGTH) {
            throw new InvalidSelectorException(InvalidSelectorException.TOO_LONG);
        }
        if (hasControlCharacter(selector)) {
            throw new InvalidSelectorException(InvalidSelectorException.CONTROL_CHARACTER);
        }
        int colon = selector.indexOf(':');
        if (colon < 0) {
            throw new InvalidSelectorException(InvalidSelectorException.MISSING_COLON);
        }
        return of(selector.substring(0, colon), selector.substring(colon + 1));
    }

    /**
     * Creates a selector from separately supplied parts (as in SPIRE's API, where type and value
     * are two fields).
     *
     * @throws InvalidSelectorException with one of the constants of {@link InvalidSelectorException}
     */
    public static Selector of(String type, String value) throws InvalidSelectorException {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        Optional<String> problem = problem(type, value);
        if (problem.isPresent()) {
            throw new InvalidSelectorException(problem.get());
        }
        return new Selector(type, value);
    }

    private static Optional<String> problem(String type, String value) {
        if (type.length() + 1 + value.length() > MAX_LENGTH) {
            return Optional.of(InvalidSelectorException.TOO_LONG);
        }
        if (hasControlCharacter(type) || hasControlCharacter(value)) {
            return Optional.of(InvalidSelectorException.CONTROL_CHARACTER);
        }
        if (type.isEmpty()) {
            return Optional.of(InvalidSelectorException.EMPTY_TYPE);
        }
        if (type.indexOf(':') >= 0) {
            return Optional.of(InvalidSelectorException.TYPE_CONTAINS_COLON);
        }
        if (value.isEmpty()) {
            return Optional.of(InvalidSelectorException.EMPTY_VALUE);
        }
        return Optional.empty();
    }

    private static boolean hasControlCharacter(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                return true;
            }
        }
        return false;
    }

    /** Orders by type, then value. */
    @Override
    public int compareTo(Selector other) {
        return ORDER.compare(this, other);
    }

    /** Returns {@code type:value}. */
    @Override
    public String toString() {
        return type + ":" + value;
    }
}
