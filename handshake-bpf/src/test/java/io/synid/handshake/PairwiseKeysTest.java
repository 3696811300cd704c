package io.synid.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PairwiseKeysTest {

  @Test
  void eachSidesTransmitKeyIsTheOthersReceiveKey() {
    NodeKeyPair a = NodeKeyPair.generate();
    NodeKeyPair b = NodeKeyPair.generate();

    PairwiseKeys atA = PairwiseKeys.derive(a, 1, b.publicKey(), 2, 7);
    PairwiseKeys atB = PairwiseKeys.derive(b, 2, a.publicKey(), 1, 7);

    assertThat(atA.tx()).isEqualTo(atB.rx());
    assertThat(atA.rx()).isEqualTo(atB.tx());
    assertThat(atA.tx()).isNotEqualTo(atA.rx());
    assertThat(atA.tx()).hasSize(16);
  }

  @Test
  void epochsGiveUnrelatedKeys() {
    NodeKeyPair a = NodeKeyPair.generate();
    NodeKeyPair b = NodeKeyPair.generate();
    assertThat(PairwiseKeys.derive(a, 1, b.publicKey(), 2, 7).tx())
        .isNotEqualTo(PairwiseKeys.derive(a, 1, b.publicKey(), 2, 8).tx());
    assertThat(PairwiseKeys.derive(a, 1, b.publicKey(), 2, 0x107).keyId()).isEqualTo(7);
  }
}
