package io.synid.agent.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.synid.api.audit.AuditLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/** Helpers over serialized records: a few top-level fields, severity, and size bounds. */
final class AuditRecords {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final ObjectMapper JSON = mapper();

  private AuditRecords() {}

  /** A mapper that also escapes NEL, LS and PS, which some line readers split on. */
  static ObjectMapper mapper() {
    ObjectMapper m = new ObjectMapper();
    m.getFactory().setCharacterEscapes(new LineSafeEscapes());
    return m;
  }

  /** Escapes the characters some line readers treat as line ends (NEL, LS, PS) too. */
  private static final class LineSafeEscapes extends CharacterEscapes {
    private final int[] ascii = standardAsciiEscapesForJSON();
    private static final SerializableString NEL = new SerializedString("\\u0085");
    private static final SerializableString LS = new SerializedString("\\u2028");
    private static final SerializableString PS = new SerializedString("\\u2029");

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return switch (ch) {
        case 0x85 -> NEL;
        case 0x2028 -> LS;
        case 0x2029 -> PS;
        default -> null;
      };
    }
  }
  private static String write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialize an audit record", e);
    }
  }

  /** The fields a sink needs without binding the whole record. */
  record Summary(long seq, String time, String event, String node, boolean denied,
      boolean failed) {
    /** warning for refusals, failures and losses, info otherwise; see docs/audit.md. */
    boolean warning() {
      return denied || failed || event != null && (event.contains("denied")
          || event.contains("refused") || event.equals("audit_dropped"));
    }
  }

  private static final Needle VERDICT_DENIED = new Needle("\"verdict\":\"denied\"");
  private static final Needle OUTCOME_FAILURE = new Needle("\"outcome\":\"failure\"");

  /** {@link #summary(byte[])} of a JSON string. */
  static Summary summary(String json) {
    return summary(json.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads the top-level {@code seq, time, event, node} of a record (the pipeline writes them
   * first, so parsing stops early) and whether it says {@code "verdict":"denied"} or
   * {@code "outcome":"failure"}. Those two are found as raw bytes: in the spool's compact JSON
   * such a sequence can only be a key and its value (quotes inside strings are escaped).
   */
  static Summary summary(byte[] json) {
    long seq = -1;
    String time = null;
    String event = null;
    String node = null;
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() == JsonToken.START_OBJECT) {
        int found = 0;
        while (found < 4 && p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken t = p.nextToken();
          if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            p.skipChildren();
            continue;
          }
          switch (name) {
            case "seq" -> {
              seq = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
              found++;
            }
            case "time" -> {
              time = t == JsonToken.VALUE_STRING ? p.getText() : null;
              found++;
            }
            case "event" -> {
              event = t == JsonToken.VALUE_STRING ? p.getText() : null;
              found++;
            }
            case "node" -> {
              node = t == JsonToken.VALUE_STRING ? p.getText() : null;
              found++;
            }
            default -> { }
          }
        }
      }
    } catch (IOException e) {
      // not JSON: whatever was read so far
    }
    return new Summary(seq, time, event, node, VERDICT_DENIED.in(json),
        OUTCOME_FAILURE.in(json));
  }

  /** Boyer-Moore-Horspool: about one comparison per needle length of a 500-byte record. */
  private static final class Needle {
    private final byte[] bytes;
    private final int[] shift = new int[256];

    Needle(String text) {
      bytes = utf8(text);
      java.util.Arrays.fill(shift, bytes.length);
      for (int i = 0; i < bytes.length - 1; i++) {
        shift[bytes[i] & 0xff] = bytes.length - 1 - i;
      }
    }

    boolean in(byte[] haystack) {
      int n = bytes.length;
      for (int i = 0; i <= haystack.length - n; i += shift[haystack[i + n - 1] & 0xff]) {
        int j = n - 1;
        while (j >= 0 && haystack[i + j] == bytes[j]) {
          j--;
        }
        if (j < 0) {
          return true;
        }
      }
      return false;
    }
  }

  static int utf8Length(String s) {
    int n = s.length();
    int bytes = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isHighSurrogate(c) && i + 1 < n
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          bytes += 2; // 4 bytes for 2 chars
          i++;
        } else {
          bytes += 2;
        }
      }
    }
    return bytes;
  }

  /**
   * Returns {@code json} if its UTF-8 form fits in {@code maxBytes}, else a version that does:
   * long strings cut (with their original length noted) and long arrays shortened, marked
   * {@code "truncated": true}; as a last resort only {@code schema, seq, time, event, node} and
   * the original size.
   *
   * @param header whether the minimal form starts with {@code schema} and {@code seq} (false for
   *     a record body that gets them later)
   */
  static String shrink(String json, int maxBytes, boolean header) {
    if (json.length() <= maxBytes / 3 || utf8Length(json) <= maxBytes) {
      return json;
    }
    JsonNode tree;
    try {
      tree = JSON.readTree(json);
    } catch (IOException e) {
      tree = null;
    }
    int original = utf8Length(json);
    if (tree instanceof ObjectNode object) {
      for (int limit = Math.max(64, maxBytes / 4); limit >= 16; limit /= 2) {
        ObjectNode copy = object.deepCopy();
        cut(copy, limit);
        copy.put("truncated", true);
        copy.put("original_bytes", original);
        String out = write(copy);
        if (utf8Length(out) <= maxBytes) {
          return out;
        }
      }
    }
    Summary s = summary(json);
    ObjectNode minimal = JSON.createObjectNode();
    if (header) {
      minimal.put("schema", AuditLog.SCHEMA);
      if (s.seq() >= 0) {
        minimal.put("seq", s.seq());
      }
    }
    minimal.put("time", cap(s.time(), 64));
    minimal.put("event", cap(s.event(), 64));
    minimal.put("node", cap(s.node(), 256));
    minimal.put("truncated", true);
    minimal.put("original_bytes", original);
    return write(minimal);
  }

  private static String cap(String s, int chars) {
    return s == null || s.length() <= chars ? s : s.substring(0, chars);
  }

  private static void cut(JsonNode node, int limit) {
    if (node instanceof ObjectNode object) {
      Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        JsonNode v = f.getValue();
        if (v.isTextual() && v.textValue().length() > limit) {
          f.setValue(JSON.getNodeFactory().textNode(cutText(v.textValue(), limit)));
        } else {
          cut(v, limit);
        }
      }
    } else if (node instanceof ArrayNode array) {
      int keep = Math.max(1, limit / 16);
      if (array.size() > keep) {
        int dropped = array.size() - keep;
        while (array.size() > keep) {
          array.remove(array.size() - 1);
        }
        array.add("... " + dropped + " more");
      }
      for (int i = 0; i < array.size(); i++) {
        JsonNode v = array.get(i);
        if (v.isTextual() && v.textValue().length() > limit) {
          array.set(i, JSON.getNodeFactory().textNode(cutText(v.textValue(), limit)));
        } else {
          cut(v, limit);
        }
      }
    }
  }

  private static String cutText(String s, int limit) {
    int end = limit;
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end) + "...[" + s.length() + " chars]";
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
