package io.synid.nodeattestor.jointoken;

import io.synid.nodeattestor.AgentNodeAttestor;
import io.synid.nodeattestor.AttestationException;
import java.nio.charset.StandardCharsets;

/** The agent half of {@code join_token}: sends the token; the server sends no challenge. */
public final class JoinTokenClient implements AgentNodeAttestor {
  private final String token;

  public JoinTokenClient(String token) {
    if (token.isEmpty()) {
      throw new IllegalArgumentException("join token is empty");
    }
    this.token = token;
  }

  @Override
  public String name() {
    return JoinTokenAttestor.NAME;
  }

  @Override
  public byte[] payload() {
    return token.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] respond(byte[] challenge) throws AttestationException {
    throw new AttestationException(AttestationException.Reason.MALFORMED,
        "join_token: the server sent a challenge, but join_token has none");
  }
}
