package io.synid.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class NodeKeyPairTest {

  private static final HexFormat HEX = HexFormat.of();
  // RFC 7748 section 6.1.
  private static final String ALICE_PRIVATE = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
  private static final String ALICE_PUBLIC = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
  private static final String BOB_PRIVATE = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
  private static final String BOB_PUBLIC = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
  private static final String SHARED = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

  @Test
  void derivesTheRfc7748PublicKeysAndSharedSecret() {
    NodeKeyPair alice = NodeKeyPair.fromPrivateKey(HEX.parseHex(ALICE_PRIVATE));
    NodeKeyPair bob = NodeKeyPair.fromPrivateKey(HEX.parseHex(BOB_PRIVATE));

    assertThat(HEX.formatHex(alice.publicKey())).isEqualTo(ALICE_PUBLIC);
    assertThat(HEX.formatHex(bob.publicKey())).isEqualTo(BOB_PUBLIC);
    assertThat(HEX.formatHex(alice.sharedSecret(HEX.parseHex(BOB_PUBLIC)))).isEqualTo(SHARED);
    assertThat(HEX.formatHex(bob.sharedSecret(HEX.parseHex(ALICE_PUBLIC)))).isEqualTo(SHARED);
  }

  @Test
  void generatedPairsAgree() {
    NodeKeyPair a = NodeKeyPair.generate();
    NodeKeyPair b = NodeKeyPair.generate();
    assertThat(a.sharedSecret(b.publicKey())).isEqualTo(b.sharedSecret(a.publicKey()));
  }

  @Test
  void rejectsTheAllZeroLowOrderPoint() {
    NodeKeyPair a = NodeKeyPair.generate();
    assertThatThrownBy(() -> a.sharedSecret(new byte[32]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("X25519 agreement failed for the peer key");
  }

  @Test
  void rejectsAShortPublicKey() {
    assertThatThrownBy(() -> NodeKeyPair.generate().sharedSecret(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("X25519 public key must be 32 bytes, got 31");
  }
}
