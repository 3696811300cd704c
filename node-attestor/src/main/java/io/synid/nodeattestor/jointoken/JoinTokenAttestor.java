package io.synid.nodeattestor.jointoken;

import io.synid.core.spiffeid.InvalidSpiffeIdException;
import io.synid.core.spiffeid.SpiffeId;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.nodeattestor.AttestationException;
import io.synid.nodeattestor.AttestationResult;
import io.synid.nodeattestor.AttestationStep;
import io.synid.nodeattestor.NodeAttestor;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * The server half of {@code join_token}: redeems the token (single use) and derives the agent ID
 * from it. No challenge, no node selectors, never re-attestable.
 */
public final class JoinTokenAttestor implements NodeAttestor {
  public static final String NAME = "join_token";
  /** Longer payloads are refused before any lookup. */
  static final int MAX_TOKEN_LENGTH = 256;

  static final String MISSING = "join_token: missing token";
  static final String UNKNOWN = "join_token: join token does not exist or has already been used";
  static final String MALFORMED = "join_token: token is not a valid SPIFFE ID path segment";

  private final TrustDomain trustDomain;
  private final JoinTokenRedeemer redeemer;

  public JoinTokenAttestor(TrustDomain trustDomain, JoinTokenRedeemer redeemer) {
    this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
    this.redeemer = Objects.requireNonNull(redeemer, "redeemer");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public AttestationStep attest(byte[] payload) throws AttestationException {
    if (payload.length == 0) {
      throw new AttestationException(AttestationException.Reason.MALFORMED, MISSING);
    }
    if (payload.length > MAX_TOKEN_LENGTH) {
      throw new AttestationException(AttestationException.Reason.MALFORMED, MALFORMED);
    }
    String token;
    try {
      token = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(payload)).toString();
    } catch (CharacterCodingException e) {
      throw new AttestationException(AttestationException.Reason.MALFORMED, MALFORMED);
    }
    SpiffeId agentId;
    try {
      // Validate before redeeming: a token that cannot form an agent ID must not be consumed.
      agentId = agentId(trustDomain, token);
    } catch (InvalidSpiffeIdException e) {
      throw new AttestationException(AttestationException.Reason.MALFORMED, MALFORMED);
    }
    if (!redeemer.redeem(token)) {
      throw new AttestationException(AttestationException.Reason.DENIED, UNKNOWN);
    }
    return new AttestationStep.Attested(new AttestationResult(agentId, List.of(), false));
  }

  /** {@code spiffe://<td>/spire/agent/join_token/<token>}. */
  public static SpiffeId agentId(TrustDomain trustDomain, String token)
      throws InvalidSpiffeIdException {
    return SpiffeId.fromSegments(trustDomain, "spire", "agent", NAME, token);
  }
}
