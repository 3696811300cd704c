package io.synid.server.cli;

import io.synid.api.spire.types.SPIFFEID;
import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;

/** SPIFFE IDs as the CLI reads them from flags and prints them from API messages. */
public final class ProtoIds {
  private ProtoIds() {}

  /** Parses and validates a SPIFFE ID given on the command line. */
  public static SPIFFEID parse(String id) throws CliException {
    try {
      SpiffeId parsed = SpiffeId.parse(id);
      return of(parsed.trustDomain().name(), parsed.path());
    } catch (InvalidSpiffeIdException e) {
      throw new CliException(goSpiffeMessage(e), e);
    }
  }

  /**
   * A trust domain name from a name or a SPIFFE ID (whose path is ignored, as go-spiffe's
   * {@code TrustDomainFromString} does).
   */
  public static String trustDomainName(String nameOrId) throws CliException {
    try {
      if (nameOrId.contains(":/")) {
        return SpiffeId.parse(nameOrId).trustDomain().name();
      }
      return TrustDomain.parse(nameOrId).name();
    } catch (InvalidSpiffeIdException e) {
      throw new CliException(goSpiffeMessage(e), e);
    }
  }

  public static SPIFFEID of(String trustDomain, String path) {
    return SPIFFEID.newBuilder().setTrustDomain(trustDomain).setPath(path).build();
  }

  /** {@code spiffe://<trust domain><path>}, or the empty string for an unset ID. */
  public static String format(SPIFFEID id) {
    if (id == null || id.equals(SPIFFEID.getDefaultInstance())) {
      return "";
    }
    return "spiffe://" + id.getTrustDomain() + id.getPath();
  }

  /**
   * The message go-spiffe gives for the same mistake, where it differs, since SPIRE's CLI prints
   * go-spiffe's messages; the others are kept.
   */
  private static String goSpiffeMessage(InvalidSpiffeIdException e) {
    String message = e.getMessage();
    return switch (message) {
      case InvalidSpiffeIdException.EMPTY -> "cannot be empty";
      case InvalidSpiffeIdException.WRONG_SCHEME, InvalidSpiffeIdException.SCHEME_NOT_LOWERCASE ->
          "scheme is missing or invalid";
      case InvalidSpiffeIdException.PORT_NOT_ALLOWED, InvalidSpiffeIdException.USERINFO_NOT_ALLOWED ->
          InvalidSpiffeIdException.BAD_TRUST_DOMAIN_CHAR;
      default -> message;
    };
  }
}
