package io.synid.policy.parse;

import java.util.List;

/** A YAML value with the position it was read at (1-based line and column). */
sealed interface YamlNode {

    int line();

    int column();

    /** What the node is, for "expected a list, found a string" messages. */
    String kind();

    /**
     * A scalar. {@code number} tells whether it was an unquoted integer; {@code nul} an explicit or
     * implicit null.
     */
    record Scalar(String text, boolean number, boolean nul, int line, int column) implements YamlNode {
        @Override
        public String kind() {
            return nul ? "nothing" : number ? "a number" : "a scalar";
        }
    }

    /** A mapping, entries in file order (keys unique: the reader rejects duplicates). */
    record Mapping(List<Entry> entries, int line, int column) implements YamlNode {
        @Override
        public String kind() {
            return "a mapping";
        }
    }

    /** One mapping entry with the key's own position. */
    record Entry(String key, int line, int column, YamlNode value) {}

    /** A sequence. */
    record Sequence(List<YamlNode> items, int line, int column) implements YamlNode {
        @Override
        public String kind() {
            return "a list";
        }
    }
}
