package io.synid.server.cli.entry;

import com.fasterxml.jackson.databind.JsonNode;
import io.synid.api.spire.types.Entry;
import io.synid.api.spire.types.Selector;
import io.synid.server.cli.CliException;
import io.synid.server.cli.InputFiles;
import io.synid.server.cli.JsonInput;
import io.synid.server.cli.ProtoIds;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code -data} file of {@code entry create}, {@code entry update} and {@code entry apply}:
 * SPIRE's format, {@code {"entries": [{...}]}} with the snake_case names of SPIRE's internal
 * {@code RegistrationEntry}, read the way Go's {@code encoding/json} reads it.
 *
 * <pre>{@code
 * {"entries": [{
 *   "spiffe_id": "spiffe://example.org/web",
 *   "parent_id": "spiffe://example.org/spire/agent/join_token/abc",
 *   "selectors": [{"type": "unix", "value": "uid:1000"}],
 *   "x509_svid_ttl": 3600, "jwt_svid_ttl": 300,
 *   "federates_with": ["spiffe://partner.org"], "dns_names": ["web.example.org"],
 *   "admin": false, "downstream": false, "store_svid": false,
 *   "entryExpiry": 0, "entry_id": "", "hint": "",
 *   "additional_attributes": {"disable_x509_svid_prefetch": false, "jwt_svid_include_jti": false}
 * }]}
 * }</pre>
 *
 * <p>Implementation notes: as in Go, member names match case-insensitively, the last duplicate
 * wins, unknown members are ignored and {@code null} leaves the zero value. IDs are then checked
 * as SPIRE's {@code RegistrationEntryToProto} checks them (federated trust domains are normalized
 * to names).
 */
final class EntryFile {

  private EntryFile() {}

  /** Reads {@code path} ({@code -} for stdin) and parses it. */
  static List<Entry> read(String path, InputStream stdin) throws CliException {
    return parse(InputFiles.readDashForStdin(path, stdin));
  }

  static List<Entry> parse(byte[] json) throws CliException {
    JsonNode root = JsonInput.parse(json);
    List<Entry> entries = new ArrayList<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return entries;
    }
    JsonNode list = member(root, "RegistrationEntries", "entries");
    if (list == null) {
      return entries;
    }
    if (!list.isArray()) {
      throw mismatch(list, "RegistrationEntries.entries", "[]*common.RegistrationEntry");
    }
    for (JsonNode element : list) {
      entries.add(toProto(registrationEntry(element)));
    }
    return entries;
  }

  /** The fields of SPIRE's {@code common.RegistrationEntry}, before ID validation. */
  private static final class Raw {
    String spiffeId = "";
    String parentId = "";
    String entryId = "";
    String hint = "";
    int x509SvidTtl;
    int jwtSvidTtl;
    long entryExpiry;
    long revisionNumber;
    long createdAt;
    boolean admin;
    boolean downstream;
    boolean storeSvid;
    List<Selector> selectors = new ArrayList<>();
    List<String> federatesWith = new ArrayList<>();
    List<String> dnsNames = new ArrayList<>();
    Entry.AdditionalAttributes additionalAttributes;
  }

  private static Raw registrationEntry(JsonNode node) throws CliException {
    if (node.isNull()) {
      throw new CliException("missing registration entry");
    }
    if (!node.isObject()) {
      throw mismatch(node, "RegistrationEntries.entries", "common.RegistrationEntry");
    }
    Raw raw = new Raw();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      JsonNode v = field.getValue();
      if (v.isNull()) {
        continue;
      }
      String name = field.getKey().toLowerCase(Locale.ROOT);
      String where = "RegistrationEntry.entries." + name;
      switch (name) {
        case "spiffe_id" -> raw.spiffeId = string(v, where);
        case "parent_id" -> raw.parentId = string(v, where);
        case "entry_id" -> raw.entryId = string(v, where);
        case "hint" -> raw.hint = string(v, where);
        case "x509_svid_ttl" -> raw.x509SvidTtl = int32(v, where);
        case "jwt_svid_ttl" -> raw.jwtSvidTtl = int32(v, where);
        case "entryexpiry" -> raw.entryExpiry = int64(v, where);
        case "revision_number" -> raw.revisionNumber = int64(v, where);
        case "created_at" -> raw.createdAt = int64(v, where);
        case "admin" -> raw.admin = bool(v, where);
        case "downstream" -> raw.downstream = bool(v, where);
        case "store_svid" -> raw.storeSvid = bool(v, where);
        case "selectors" -> raw.selectors = selectors(v, where);
        case "federates_with" -> raw.federatesWith = strings(v, where);
        case "dns_names" -> raw.dnsNames = strings(v, where);
        case "additional_attributes" -> raw.additionalAttributes = additionalAttributes(v, where);
        default -> {
          // Unknown members are ignored, as Go's encoding/json ignores them.
        }
      }
    }
    return raw;
  }

  private static Entry toProto(Raw raw) throws CliException {
    Entry.Builder e = Entry.newBuilder()
        .setId(raw.entryId)
        .setSpiffeId(id(raw.spiffeId, "invalid SPIFFE ID: "))
        .setParentId(id(raw.parentId, "invalid parent ID: "))
        .addAllSelectors(raw.selectors)
        .setX509SvidTtl(raw.x509SvidTtl)
        .setAdmin(raw.admin)
        .setDownstream(raw.downstream)
        .setExpiresAt(raw.entryExpiry)
        .addAllDnsNames(raw.dnsNames)
        .setRevisionNumber(raw.revisionNumber)
        .setStoreSvid(raw.storeSvid)
        .setJwtSvidTtl(raw.jwtSvidTtl)
        .setHint(raw.hint)
        .setCreatedAt(raw.createdAt);
    for (String td : raw.federatesWith) {
      try {
        e.addFederatesWith(ProtoIds.trustDomainName(td));
      } catch (CliException ex) {
        throw new CliException("invalid federated trust domain: " + ex.getMessage(), ex);
      }
    }
    if (raw.additionalAttributes != null) {
      e.setAdditionalAttributes(raw.additionalAttributes);
    }
    return e.build();
  }

  private static io.synid.api.spire.types.SPIFFEID id(String value, String context)
      throws CliException {
    try {
      return ProtoIds.parse(value);
    } catch (CliException ex) {
      throw new CliException(context + ex.getMessage(), ex);
    }
  }

  private static List<Selector> selectors(JsonNode v, String where) throws CliException {
    if (!v.isArray()) {
      throw mismatch(v, where, "[]*common.Selector");
    }
    List<Selector> selectors = new ArrayList<>();
    for (JsonNode s : v) {
      if (s.isNull()) {
        throw new CliException("missing selector in " + where);
      }
      if (!s.isObject()) {
        throw mismatch(s, where, "common.Selector");
      }
      Selector.Builder selector = Selector.newBuilder();
      for (Map.Entry<String, JsonNode> field : s.properties()) {
        if (field.getValue().isNull()) {
          continue;
        }
        switch (field.getKey().toLowerCase(Locale.ROOT)) {
          case "type" -> selector.setType(string(field.getValue(), "Selector.type"));
          case "value" -> selector.setValue(string(field.getValue(), "Selector.value"));
          default -> {
            // ignored, as in Go
          }
        }
      }
      selectors.add(selector.build());
    }
    return selectors;
  }

  private static Entry.AdditionalAttributes additionalAttributes(JsonNode v, String where)
      throws CliException {
    if (!v.isObject()) {
      throw mismatch(v, where, "common.RegistrationEntry_AdditionalAttributes");
    }
    Entry.AdditionalAttributes.Builder a = Entry.AdditionalAttributes.newBuilder();
    for (Map.Entry<String, JsonNode> field : v.properties()) {
      if (field.getValue().isNull()) {
        continue;
      }
      String name = field.getKey().toLowerCase(Locale.ROOT);
      switch (name) {
        case "disable_x509_svid_prefetch" ->
            a.setDisableX509SvidPrefetch(bool(field.getValue(), where + "." + name));
        case "jwt_svid_include_jti" ->
            a.setJwtSvidIncludeJti(bool(field.getValue(), where + "." + name));
        default -> {
          // ignored, as in Go
        }
      }
    }
    return a.build();
  }

  private static List<String> strings(JsonNode v, String where) throws CliException {
    if (!v.isArray()) {
      throw mismatch(v, where, "[]string");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode s : v) {
      out.add(s.isNull() ? "" : string(s, where));
    }
    return out;
  }

  private static String string(JsonNode v, String where) throws CliException {
    if (!v.isTextual()) {
      throw mismatch(v, where, "string");
    }
    return v.textValue();
  }

  private static boolean bool(JsonNode v, String where) throws CliException {
    if (!v.isBoolean()) {
      throw mismatch(v, where, "bool");
    }
    return v.booleanValue();
  }

  private static int int32(JsonNode v, String where) throws CliException {
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw mismatch(v, where, "int32");
    }
    return v.intValue();
  }

  private static long int64(JsonNode v, String where) throws CliException {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw mismatch(v, where, "int64");
    }
    return v.longValue();
  }

  private static JsonNode member(JsonNode object, String type, String name) throws CliException {
    if (!object.isObject()) {
      throw mismatch(object, "", "common." + type);
    }
    JsonNode found = null;
    for (Map.Entry<String, JsonNode> field : object.properties()) {
      if (field.getKey().equalsIgnoreCase(name)) {
        found = field.getValue();
      }
    }
    return found == null || found.isNull() ? null : found;
  }

  private static CliException mismatch(JsonNode v, String where, String goType) {
    String kind = v.isTextual() ? "string"
        : v.isNumber() ? "number " + v.asText()
        : v.isBoolean() ? "bool"
        : v.isArray() ? "array"
        : "object";
    String target = where.isEmpty() ? "Go value" : "Go struct field " + where;
    return new CliException("json: cannot unmarshal " + kind + " into " + target + " of type " + goType);
  }
}
