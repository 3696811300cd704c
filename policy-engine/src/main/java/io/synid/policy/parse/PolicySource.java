package io.synid.policy.parse;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The untrusted bytes of one policy file and the name errors report it under.
 *
 * @param name the file name as the operator knows it, for example {@code orders-db.yaml}
 * @param content the bytes, UTF-8 YAML (copied)
 */
public record PolicySource(String name, byte[] content) {

    /** Copies the content. */
    public PolicySource {
        Objects.requireNonNull(name, "name");
        content = Objects.requireNonNull(content, "content").clone();
    }

    /** A source from text. */
    public static PolicySource of(String name, String yaml) {
        return new PolicySource(name, yaml.getBytes(StandardCharsets.UTF_8));
    }

    /** The bytes (a copy). */
    @Override
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
        return o instanceof PolicySource s && s.name.equals(name) && java.util.Arrays.equals(s.content, content);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + java.util.Arrays.hashCode(content);
    }

    @Override
    public String toString() {
        return "PolicySource[" + name + ", " + content.length + " bytes]";
    }
}
