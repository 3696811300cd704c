package io.synid.nodeattestor.jointoken;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synid.core.spiffeid.TrustDomain;
import io.synid.nodeattestor.AttestationException;
import io.synid.nodeattestor.AttestationResult;
import io.synid.nodeattestor.AttestationStep;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JoinTokenAttestorTest {
  private final TrustDomain td = TrustDomain.parse("example.org");
  private final Set<String> tokens = new HashSet<>(Set.of("4a0c1c3e-7b5d-4f7e-9f52-1d2b3c4d5e6f"));
  private final List<String> redeemed = new ArrayList<>();
  private final JoinTokenAttestor attestor = new JoinTokenAttestor(td, t -> {
    redeemed.add(t);
    return tokens.remove(t);
  });

  JoinTokenAttestorTest() throws Exception {}

  @Test
  void attestsOnceWithTheAgentIdSpireGives() throws Exception {
    AttestationStep step = attestor.attest(
        new JoinTokenClient("4a0c1c3e-7b5d-4f7e-9f52-1d2b3c4d5e6f").payload());

    AttestationResult result = ((AttestationStep.Attested) step).result();
    assertThat(result.agentId().toString())
        .isEqualTo("spiffe://example.org/spire/agent/join_token/4a0c1c3e-7b5d-4f7e-9f52-1d2b3c4d5e6f");
    assertThat(result.selectors()).isEmpty();
    assertThat(result.canReattest()).isFalse();
  }

  @Test
  void aUsedTokenIsRefused() throws Exception {
    byte[] payload = "4a0c1c3e-7b5d-4f7e-9f52-1d2b3c4d5e6f".getBytes(StandardCharsets.UTF_8);
    attestor.attest(payload);

    assertThatThrownBy(() -> attestor.attest(payload))
        .isInstanceOf(AttestationException.class)
        .hasMessage("join_token: join token does not exist or has already been used")
        .extracting(e -> ((AttestationException) e).reason())
        .isEqualTo(AttestationException.Reason.DENIED);
  }

  @Test
  void anEmptyPayloadIsMalformed() {
    assertThatThrownBy(() -> attestor.attest(new byte[0]))
        .hasMessage("join_token: missing token");
    assertThat(redeemed).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a/b", "..", ".", "tok en", "tök", "a?b", "a#b", "%2F"})
  void tokensThatCannotFormAnAgentIdAreNeverRedeemed(String token) {
    assertThatThrownBy(() -> attestor.attest(token.getBytes(StandardCharsets.UTF_8)))
        .hasMessage("join_token: token is not a valid SPIFFE ID path segment");
    assertThat(redeemed).isEmpty();
  }

  @Test
  void invalidUtf8AndOverlongPayloadsAreRefusedWithoutRedeeming() {
    assertThatThrownBy(() -> attestor.attest(new byte[] {(byte) 0xc3, (byte) 0x28}))
        .hasMessage("join_token: token is not a valid SPIFFE ID path segment");
    assertThatThrownBy(() -> attestor.attest("a".repeat(257).getBytes(StandardCharsets.UTF_8)))
        .hasMessage("join_token: token is not a valid SPIFFE ID path segment");
    assertThat(redeemed).isEmpty();
  }

  @Test
  void randomBytesOnlyEverFailWithAnAttestationException() {
    Random random = new Random(42);
    for (int i = 0; i < 2_000; i++) {
      byte[] payload = new byte[random.nextInt(300)];
      random.nextBytes(payload);
      try {
        attestor.attest(payload);
      } catch (AttestationException expected) {
        // the only acceptable failure
      }
    }
    assertThat(tokens).hasSize(1);
  }
}
