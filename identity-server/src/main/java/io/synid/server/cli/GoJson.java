package io.synid.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON text exactly as Go's {@code encoding/json} does, which is what SPIRE's CLI prints:
 * compact, or indented like {@code json.Indent}; HTML-significant characters escaped as
 * {@code \u003c}; map keys sorted (a Go map) or kept in order (a Go struct).
 */
public final class GoJson {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private GoJson() {}

  /** Compact text; {@code sortKeys} sorts every object's keys as Go does for maps. */
  public static String compact(JsonNode node, boolean sortKeys) {
    StringBuilder b = new StringBuilder();
    write(b, node, sortKeys, null, 0);
    return b.toString();
  }

  /** Text as {@code json.Indent(dst, src, "", indent)} lays it out, keys in their given order. */
  public static String indented(JsonNode node, String indent) {
    StringBuilder b = new StringBuilder();
    write(b, node, false, indent, 0);
    return b.toString();
  }

  private static void write(StringBuilder b, JsonNode node, boolean sortKeys, String indent,
      int depth) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      b.append("null");
    } else if (node.isObject()) {
      List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
      fields.addAll(node.properties());
      if (sortKeys) {
        fields.sort(Map.Entry.comparingByKey());
      }
      if (fields.isEmpty()) {
        b.append("{}");
        return;
      }
      b.append('{');
      for (int i = 0; i < fields.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        newline(b, indent, depth + 1);
        string(b, fields.get(i).getKey());
        b.append(indent == null ? ":" : ": ");
        write(b, fields.get(i).getValue(), sortKeys, indent, depth + 1);
      }
      newline(b, indent, depth);
      b.append('}');
    } else if (node.isArray()) {
      if (node.isEmpty()) {
        b.append("[]");
        return;
      }
      b.append('[');
      Iterator<JsonNode> elements = node.elements();
      boolean first = true;
      while (elements.hasNext()) {
        if (!first) {
          b.append(',');
        }
        first = false;
        newline(b, indent, depth + 1);
        write(b, elements.next(), sortKeys, indent, depth + 1);
      }
      newline(b, indent, depth);
      b.append(']');
    } else if (node.isTextual()) {
      string(b, node.textValue());
    } else {
      // Numbers and booleans: their JSON text is already Go's for the values protojson emits.
      b.append(node.asText());
    }
  }

  private static void newline(StringBuilder b, String indent, int depth) {
    if (indent != null) {
      b.append('\n');
      b.append(indent.repeat(depth));
    }
  }

  /** A JSON string literal with Go's escaping (HTML-safe, U+2028/U+2029 escaped). */
  static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        case '<', '>', '&', '\u2028', '\u2029' -> unicodeEscape(b, c);
        default -> {
          if (c < 0x20) {
            unicodeEscape(b, c);
          } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            b.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            b.append("\\ufffd");
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static void unicodeEscape(StringBuilder b, char c) {
    b.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
        .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
  }

  /** Removes {@code null} members and array elements, recursively (SPIRE's CLI does). */
  static JsonNode withoutNulls(JsonNode node) {
    if (node instanceof ObjectNode object) {
      List<String> nulls = new ArrayList<>();
      for (Map.Entry<String, JsonNode> field : object.properties()) {
        if (field.getValue().isNull()) {
          nulls.add(field.getKey());
        } else {
          withoutNulls(field.getValue());
        }
      }
      object.remove(nulls);
    } else if (node instanceof ArrayNode array) {
      for (int i = array.size() - 1; i >= 0; i--) {
        if (array.get(i).isNull()) {
          array.remove(i);
        } else {
          withoutNulls(array.get(i));
        }
      }
    }
    return node;
  }

  /** Convenience for building struct-like output in field order. */
  public static ObjectNode object() {
    return ProtoJson.MAPPER.createObjectNode();
  }
}
