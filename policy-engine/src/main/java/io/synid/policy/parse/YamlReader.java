package io.synid.policy.parse;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the YAML documents of one source into {@link YamlNode} trees that keep positions.
 *
 * <p>Implementation notes: the streaming parser is used rather than a data binder because every
 * error must name a line and column, and because the tree is bounded here (depth, aliases,
 * duplicate keys) before any policy semantics run. Aliases are refused outright: policy files do
 * not need them and they are the classic way to make a small file expand enormously.
 */
final class YamlReader {

    static final int MAX_DEPTH = 32;

    private static final YAMLFactory FACTORY = YAMLFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH + 8)
                    .maxStringLength(PolicyParser.MAX_FILE_BYTES)
                    .maxNumberLength(64)
                    .build())
            .build();

    /** Thrown to stop reading a source at its first structural error. */
    static final class ReadFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final int line;
        final int column;

        ReadFailure(String message, int line, int column) {
            super(message, null, false, false);
            this.line = line;
            this.column = column;
        }
    }

    private final YAMLParser parser;

    private YamlReader(YAMLParser parser) {
        this.parser = parser;
    }

    /** The documents of {@code content}, empty documents left out. */
    static List<YamlNode> read(byte[] content) throws ReadFailure {
        try (YAMLParser p = FACTORY.createParser(content)) {
            YamlReader r = new YamlReader(p);
            List<YamlNode> docs = new ArrayList<>();
            while (p.nextToken() != null) {
                YamlNode doc = r.node(0);
                if (!(doc instanceof YamlNode.Scalar s && s.nul())) {
                    docs.add(doc);
                }
            }
            return docs;
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            throw new ReadFailure("malformed YAML: " + firstLine(e.getOriginalMessage()),
                    l == null ? 0 : Math.max(0, l.getLineNr()), l == null ? 0 : Math.max(0, l.getColumnNr()));
        } catch (IOException e) {
            throw new ReadFailure("malformed YAML: " + firstLine(e.getMessage()), 0, 0);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable input";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private YamlNode node(int depth) throws IOException, ReadFailure {
        JsonLocation l = parser.currentTokenLocation();
        int line = l.getLineNr();
        int column = l.getColumnNr();
        if (depth > MAX_DEPTH) {
            throw new ReadFailure("nested deeper than " + MAX_DEPTH + " levels", line, column);
        }
        JsonToken t = parser.currentToken();
        switch (t) {
            case START_OBJECT -> {
                List<YamlNode.Entry> entries = new ArrayList<>();
                Map<String, YamlNode.Entry> seen = new HashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    JsonLocation kl = parser.currentTokenLocation();
                    String key = parser.currentName();
                    parser.nextToken();
                    YamlNode.Entry e = new YamlNode.Entry(key, kl.getLineNr(), kl.getColumnNr(), node(depth + 1));
                    YamlNode.Entry before = seen.putIfAbsent(key, e);
                    if (before != null) {
                        throw new ReadFailure("duplicate key '" + printable(key) + "' (first at line " + before.line() + ")",
                                e.line(), e.column());
                    }
                    entries.add(e);
                }
                return new YamlNode.Mapping(List.copyOf(entries), line, column);
            }
            case START_ARRAY -> {
                List<YamlNode> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(node(depth + 1));
                }
                return new YamlNode.Sequence(List.copyOf(items), line, column);
            }
            case VALUE_STRING -> {
                if (parser.isCurrentAlias()) {
                    throw new ReadFailure("YAML aliases (*name) are not allowed in policy files", line, column);
                }
                return new YamlNode.Scalar(parser.getText(), false, false, line, column);
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE ->
                    {
                        return new YamlNode.Scalar(parser.getText(), t == JsonToken.VALUE_NUMBER_INT, false, line, column);
                    }
            case VALUE_NULL -> {
                return new YamlNode.Scalar("", false, true, line, column);
            }
            default -> throw new ReadFailure("unexpected YAML content " + t, line, column);
        }
    }

    /** A key as it may be shown in a message: bounded, control characters escaped. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 64; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return s.length() > 64 ? b + "..." : b.toString();
    }
}
