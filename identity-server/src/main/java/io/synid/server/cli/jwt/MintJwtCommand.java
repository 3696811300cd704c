package io.synid.server.cli.jwt;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.grpc.StatusRuntimeException;
import io.synid.api.spire.server.svid.v1.MintJWTSVIDRequest;
import io.synid.api.spire.server.svid.v1.MintJWTSVIDResponse;
import io.synid.server.cli.AdminClient;
import io.synid.server.cli.AdminCommand;
import io.synid.server.cli.CliEnvironment;
import io.synid.server.cli.CliException;
import io.synid.server.cli.GoDuration;
import io.synid.server.cli.GrpcErrors;
import io.synid.server.cli.OutputFiles;
import io.synid.server.cli.ProtoIds;
import io.synid.server.cli.SpireText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jwt mint}: asks {@code MintJWTSVID} for a token and prints it (or writes it, mode
 * 0600). Warns on stderr when the server capped the lifetime below {@code -ttl}.
 */
@Command(name = "mint", description = "Mints a JWT-SVID")
public final class MintJwtCommand extends AdminCommand {
  @Option(names = {"-spiffeID", "--spiffeID"}, paramLabel = "<spiffe id>",
      description = "SPIFFE ID of the JWT-SVID")
  String spiffeId = "";

  @Option(names = {"-ttl", "--ttl"}, paramLabel = "<duration>", converter = GoDuration.Converter.class,
      description = "TTL of the JWT-SVID, like 5m or 300s (default: the server's)")
  Duration ttl = Duration.ZERO;

  @Option(names = {"-audience", "--audience"}, paramLabel = "<audience>",
      description = "Audience claim that will be included in the SVID. Can be used more than once.")
  List<String> audience = new ArrayList<>();

  @Option(names = {"-write", "--write"}, paramLabel = "<file>",
      description = "File to write token to instead of stdout")
  String write = "";

  @Override
  protected void run(AdminClient client, CliEnvironment env) throws CliException {
    if (spiffeId.isEmpty()) {
      throw new CliException("spiffeID must be specified");
    }
    if (audience.isEmpty()) {
      throw new CliException("at least one audience must be specified");
    }
    MintJWTSVIDRequest request = MintJWTSVIDRequest.newBuilder()
        .setId(ProtoIds.parse(spiffeId))
        .setTtl(GoDuration.ceilSeconds(ttl))
        .addAllAudience(audience)
        .build();
    MintJWTSVIDResponse response;
    try {
      response = client.svids().mintJWTSVID(request);
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.wrap("unable to mint SVID", e);
    }
    String token = response.getSvid().getToken();
    if (token.isEmpty()) {
      throw new CliException("server response missing token");
    }
    warnIfCapped(env, token);
    if (write.isEmpty()) {
      print(env, response, r -> env.out().print(r.getSvid().getToken() + "\n"));
      return;
    }
    Path path = Path.of(write);
    try {
      OutputFiles.writePrivate(path, token.getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new CliException("unable to write token: " + e.getMessage(), e);
    }
    env.out().print("JWT-SVID written to " + path + "\n");
  }

  private void warnIfCapped(CliEnvironment env, String token) {
    Date expiry;
    try {
      JWTClaimsSet claims = SignedJWT.parse(token).getJWTClaimsSet();
      expiry = claims.getExpirationTime();
    } catch (ParseException e) {
      env.err().print("Unable to determine JWT-SVID lifetime: " + e.getMessage() + "\n");
      return;
    }
    if (expiry == null) {
      env.err().print("Unable to determine JWT-SVID lifetime: no expiry claim\n");
      return;
    }
    Instant eol = expiry.toInstant();
    if (Duration.between(env.clock().instant(), eol).compareTo(ttl) < 0) {
      env.err().print("JWT-SVID lifetime was capped shorter than specified ttl; expires "
          + SpireText.quote(DateTimeFormatter.ISO_INSTANT.format(eol)) + "\n");
    }
  }
}
