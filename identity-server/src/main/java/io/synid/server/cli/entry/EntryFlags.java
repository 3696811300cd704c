package io.synid.server.cli.entry;

import io.synid.api.spire.types.Entry;
import io.synid.server.cli.CliException;
import io.synid.server.cli.SelectorFlags;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The entry fields shared by {@code entry create} and {@code entry update}, SPIRE's flags. */
final class EntryFlags {
  @Option(names = {"-entryID", "--entryID"}, paramLabel = "<id>",
      description = "Registration entry ID (create: optional custom ID; update: the entry to replace)")
  String entryId = "";

  @Option(names = {"-parentID", "--parentID"}, paramLabel = "<spiffe id>",
      description = "The SPIFFE ID of this record's parent")
  String parentId = "";

  @Option(names = {"-spiffeID", "--spiffeID"}, paramLabel = "<spiffe id>",
      description = "The SPIFFE ID that this record represents")
  String spiffeId = "";

  @Option(names = {"-x509SVIDTTL", "--x509SVIDTTL"}, paramLabel = "<seconds>",
      description = "Lifetime of X509-SVIDs issued from this entry (0: server default)")
  long x509SvidTtl;

  @Option(names = {"-jwtSVIDTTL", "--jwtSVIDTTL"}, paramLabel = "<seconds>",
      description = "Lifetime of JWT-SVIDs issued from this entry (0: server default)")
  long jwtSvidTtl;

  @Option(names = {"-data", "--data"}, paramLabel = "<file>",
      description = "Path to a file of registration entries in JSON ('-' reads stdin); other entry flags are then ignored")
  String data = "";

  @Option(names = {"-selector", "--selector"}, paramLabel = "<type:value>",
      description = "A colon-delimited type:value selector. Can be used more than once")
  List<String> selectors = new ArrayList<>();

  @Option(names = {"-federatesWith", "--federatesWith"}, paramLabel = "<trust domain>",
      description = "SPIFFE ID of a trust domain to federate with. Can be used more than once")
  List<String> federatesWith = new ArrayList<>();

  @Option(names = {"-admin", "--admin"}, arity = "0..1", paramLabel = "<bool>",
      description = "Grants the entry's SPIFFE ID access to the server's admin APIs")
  boolean admin;

  @Option(names = {"-storeSVID", "--storeSVID"}, arity = "0..1", paramLabel = "<bool>",
      description = "SVIDs issued from this entry must be stored through an SVIDStore plugin")
  boolean storeSvid;

  @Option(names = {"-downstream", "--downstream"}, arity = "0..1", paramLabel = "<bool>",
      description = "The entry describes a downstream server")
  boolean downstream;

  @Option(names = {"-entryExpiry", "--entryExpiry"}, paramLabel = "<unix seconds>",
      description = "When the entry expires and is pruned, in seconds since the epoch")
  long entryExpiry;

  @Option(names = {"-dns", "--dns"}, paramLabel = "<name>",
      description = "A DNS name to include in SVIDs issued from this entry. Can be used more than once")
  List<String> dnsNames = new ArrayList<>();

  @Option(names = {"-hint", "--hint"}, paramLabel = "<hint>",
      description = "The entry hint, used to disambiguate entries with the same SPIFFE ID")
  String hint = "";

  @Option(names = {"-disableX509SVIDPrefetch", "--disableX509SVIDPrefetch"}, arity = "0..1",
      paramLabel = "<bool>", description = "Agents do not prefetch X509-SVIDs for this entry")
  Boolean disableX509SvidPrefetch;

  @Option(names = {"-jwtSVIDIncludeJTI", "--jwtSVIDIncludeJTI"}, arity = "0..1",
      paramLabel = "<bool>",
      description = "JWT-SVIDs for this entry carry a unique 'jti' claim and bypass the agent's JWT-SVID cache")
  Boolean jwtSvidIncludeJti;

  boolean hasData() {
    return !data.isEmpty();
  }

  void checkTtls() throws CliException {
    if (x509SvidTtl < 0) {
      throw new CliException("a positive x509-SVID TTL is required");
    }
    if (jwtSvidTtl < 0) {
      throw new CliException("a positive JWT-SVID TTL is required");
    }
  }

  boolean additionalAttributesSet() {
    return disableX509SvidPrefetch != null || jwtSvidIncludeJti != null;
  }

  /** The fields other than the two IDs, as SPIRE's {@code parseConfig} fills them. */
  Entry.Builder fieldsExceptIds() throws CliException {
    Entry.Builder e = Entry.newBuilder()
        .setId(entryId)
        .setDownstream(downstream)
        .setExpiresAt(entryExpiry)
        .addAllDnsNames(dnsNames)
        .setStoreSvid(storeSvid)
        .setX509SvidTtl(int32(x509SvidTtl, "X509 SVID TTL"))
        .setJwtSvidTtl(int32(jwtSvidTtl, "JWT SVID TTL"))
        .setHint(hint)
        .addAllSelectors(SelectorFlags.parseAll(selectors));
    if (additionalAttributesSet()) {
      e.setAdditionalAttributes(Entry.AdditionalAttributes.newBuilder()
          .setDisableX509SvidPrefetch(Boolean.TRUE.equals(disableX509SvidPrefetch))
          .setJwtSvidIncludeJti(Boolean.TRUE.equals(jwtSvidIncludeJti)));
    }
    return e.addAllFederatesWith(federatesWith).setAdmin(admin);
  }

  private static int int32(long value, String what) throws CliException {
    if (value != (int) value) {
      throw new CliException("invalid value for " + what + ": overflow converting int(" + value
          + ") to int32");
    }
    return (int) value;
  }
}
