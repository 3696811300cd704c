package io.synid.policy.parse;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The untrusted bytes of one policy file and the name errors report it under. Immutable; equal
 * when name and bytes are. The hash is computed once: a parse with a {@link PolicyParser.Cache}
 * looks every source of a large set up by it on each change.
 */
public final class PolicySource {
    private final String name;
    private final byte[] content;
    private final int hash;

    /**
     * A source.
     *
     * @param name the file name as the operator knows it, for example {@code orders-db.yaml}
     * @param content the bytes, UTF-8 YAML (copied)
     */
    public PolicySource(String name, byte[] content) {
        this.name = Objects.requireNonNull(name, "name");
        this.content = Objects.requireNonNull(content, "content").clone();
        this.hash = name.hashCode() * 31 + Arrays.hashCode(this.content);
    }

    /** A source from text. */
    public static PolicySource of(String name, String yaml) {
        return new PolicySource(name, yaml.getBytes(StandardCharsets.UTF_8));
    }

    /** The file name. */
    public String name() {
        return name;
    }

    /** The bytes (a copy). */
    public byte[] content() {
        return content.clone();
    }

    int size() {
        return content.length;
    }

    byte[] bytes() {
        return content;
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof PolicySource s && s.hash == hash && s.name.equals(name)
            && Arrays.equals(s.content, content);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "PolicySource[" + name + ", " + content.length + " bytes]";
    }
}
