package io.synid.server.cli.federation;

import com.fasterxml.jackson.databind.JsonNode;
import io.synid.api.spire.types.Bundle;
import io.synid.api.spire.types.FederationRelationship;
import io.synid.api.spire.types.HTTPSSPIFFEProfile;
import io.synid.api.spire.types.HTTPSWebProfile;
import io.synid.server.cli.CliException;
import io.synid.server.cli.InputFiles;
import io.synid.server.cli.JsonInput;
import io.synid.server.cli.ProtoIds;
import io.synid.server.cli.SpireText;
import io.synid.server.cli.bundle.BundleData;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Federation relationships from flags or from a {@code -data} file in SPIRE's format:
 *
 * <pre>{@code
 * {"federationRelationships": [{
 *   "trustDomain": "partner.org",
 *   "bundleEndpointURL": "https://partner.org:8443",
 *   "bundleEndpointProfile": "https_spiffe",
 *   "endpointSPIFFEID": "spiffe://partner.org/spire/server",
 *   "trustDomainBundle": "-----BEGIN CERTIFICATE-----...",
 *   "trustDomainBundleFormat": "pem"
 * }]}
 * }</pre>
 *
 * <p>{@code trustDomainBundle} is a PEM string, or a SPIFFE bundle document (an object) with
 * {@code "trustDomainBundleFormat": "spiffe"}. Member names match case-insensitively, as in Go.
 */
final class FederationRelationships {
  static final String PROFILE_HTTPS_WEB = "https_web";
  static final String PROFILE_HTTPS_SPIFFE = "https_spiffe";

  private FederationRelationships() {}

  /** The relationships the command line asks for. */
  static List<FederationRelationship> fromCommandLine(FederationRelationshipFlags flags, InputStream stdin)
      throws CliException {
    if (!flags.data.isEmpty()) {
      if (!flags.noRelationshipFields()) {
        throw new CliException(
            "cannot use other flags to specify relationship fields when 'data' flag is set");
      }
      return fromFile(InputFiles.readDashForStdin(flags.data, stdin));
    }
    Config config = new Config();
    config.trustDomain = flags.trustDomain;
    config.bundleEndpointUrl = flags.bundleEndpointUrl;
    config.bundleEndpointProfile = flags.bundleEndpointProfile;
    config.endpointSpiffeId = flags.endpointSpiffeId;
    config.bundlePath = flags.trustDomainBundlePath;
    config.bundleFormat = flags.trustDomainBundleFormat;
    return List.of(toProto(config));
  }

  /** One relationship as SPIRE's CLI reads it, before validation. */
  private static final class Config {
    String trustDomain = "";
    String bundleEndpointUrl = "";
    String bundleEndpointProfile = "";
    String endpointSpiffeId = "";
    String bundlePath = "";
    String bundleFormat = "";
    JsonNode bundle;
  }

  static List<FederationRelationship> fromFile(byte[] json) throws CliException {
    JsonNode root;
    try {
      root = JsonInput.parse(json);
    } catch (CliException e) {
      throw new CliException("failed to parse JSON: " + e.getMessage(), e);
    }
    List<FederationRelationship> out = new ArrayList<>();
    if (root.isNull()) {
      return out;
    }
    if (!root.isObject()) {
      throw new CliException("failed to parse JSON: json: cannot unmarshal "
          + root.getNodeType().name().toLowerCase(Locale.ROOT)
          + " into Go value of type federation.federationRelationships");
    }
    JsonNode list = member(root, "federationRelationships");
    if (list == null || list.isNull()) {
      return out;
    }
    if (!list.isArray()) {
      throw new CliException("failed to parse JSON: federationRelationships is not an array");
    }
    for (int i = 0; i < list.size(); i++) {
      try {
        out.add(toProto(config(list.get(i))));
      } catch (CliException e) {
        throw new CliException("could not parse item " + i + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  private static Config config(JsonNode item) throws CliException {
    Config c = new Config();
    if (item.isNull()) {
      return c;
    }
    if (!item.isObject()) {
      throw new CliException("relationship is not a JSON object");
    }
    c.trustDomain = text(member(item, "trustDomain"), "trustDomain");
    c.bundleEndpointUrl = text(member(item, "bundleEndpointURL"), "bundleEndpointURL");
    c.bundleEndpointProfile = text(member(item, "bundleEndpointProfile"), "bundleEndpointProfile");
    c.endpointSpiffeId = text(member(item, "endpointSPIFFEID"), "endpointSPIFFEID");
    c.bundleFormat = text(member(item, "trustDomainBundleFormat"), "trustDomainBundleFormat");
    JsonNode bundle = member(item, "trustDomainBundle");
    c.bundle = bundle == null || bundle.isNull() ? null : bundle;
    return c;
  }

  private static FederationRelationship toProto(Config c) throws CliException {
    if (c.trustDomain.isEmpty()) {
      throw new CliException("trust domain is required");
    }
    if (c.bundleEndpointUrl.isEmpty()) {
      throw new CliException("bundle endpoint URL is required");
    }
    FederationRelationship.Builder fr = FederationRelationship.newBuilder()
        .setTrustDomain(c.trustDomain)
        .setBundleEndpointUrl(c.bundleEndpointUrl);
    String bundleTrustDomain = c.trustDomain;
    switch (c.bundleEndpointProfile) {
      case PROFILE_HTTPS_WEB -> fr.setHttpsWeb(HTTPSWebProfile.getDefaultInstance());
      case PROFILE_HTTPS_SPIFFE -> {
        if (c.endpointSpiffeId.isEmpty()) {
          throw new CliException(
              "endpoint SPIFFE ID is required if 'https_spiffe' endpoint profile is set");
        }
        try {
          bundleTrustDomain = ProtoIds.parse(c.endpointSpiffeId).getTrustDomain();
        } catch (CliException e) {
          throw new CliException("cannot parse bundle endpoint SPIFFE ID: " + e.getMessage(), e);
        }
        fr.setHttpsSpiffe(HTTPSSPIFFEProfile.newBuilder().setEndpointSpiffeId(c.endpointSpiffeId));
      }
      default -> throw new CliException("unknown bundle endpoint profile type: "
          + SpireText.quote(c.bundleEndpointProfile));
    }
    if (!c.bundlePath.isEmpty()) {
      byte[] data;
      try {
        data = InputFiles.read(Path.of(c.bundlePath));
      } catch (CliException e) {
        throw new CliException("cannot read bundle file: " + e.getMessage(), e);
      }
      try {
        fr.setTrustDomainBundle(parseBundle(data, c.bundleFormat, bundleTrustDomain));
      } catch (CliException e) {
        throw new CliException("cannot parse bundle file: " + e.getMessage(), e);
      }
    } else if (c.bundle != null) {
      try {
        fr.setTrustDomainBundle(bundleFromJson(c.bundle, c.bundleFormat, bundleTrustDomain));
      } catch (CliException e) {
        throw new CliException("cannot parse bundle raw message: " + e.getMessage(), e);
      }
    }
    return fr.build();
  }

  private static Bundle bundleFromJson(JsonNode bundle, String format, String trustDomain)
      throws CliException {
    return switch (format) {
      case BundleData.FORMAT_PEM -> {
        if (!bundle.isTextual()) {
          throw new CliException("failed to unmarshal json: json: cannot unmarshal "
              + bundle.getNodeType().name().toLowerCase(Locale.ROOT) + " into Go value of type string");
        }
        yield parseBundle(bundle.textValue().getBytes(StandardCharsets.UTF_8), format, trustDomain);
      }
      case BundleData.FORMAT_SPIFFE ->
          parseBundle(bundle.toString().getBytes(StandardCharsets.UTF_8), format, trustDomain);
      default -> throw new CliException("bundle format " + SpireText.quote(format) + " is unsupported");
    };
  }

  private static Bundle parseBundle(byte[] data, String format, String trustDomain) throws CliException {
    // SPIRE parses any format other than "pem" as a SPIFFE bundle document.
    return BundleData.parse(data, format.equals(BundleData.FORMAT_PEM) ? format : BundleData.FORMAT_SPIFFE,
        trustDomain);
  }

  private static String text(JsonNode v, String name) throws CliException {
    if (v == null || v.isNull()) {
      return "";
    }
    if (!v.isTextual()) {
      throw new CliException("json: cannot unmarshal " + v.getNodeType().name().toLowerCase(Locale.ROOT)
          + " into Go struct field federationRelationshipConfig." + name + " of type string");
    }
    return v.textValue();
  }

  private static JsonNode member(JsonNode object, String name) {
    JsonNode found = null;
    for (Map.Entry<String, JsonNode> field : object.properties()) {
      if (field.getKey().equalsIgnoreCase(name)) {
        found = field.getValue();
      }
    }
    return found;
  }
}
