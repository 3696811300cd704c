package io.synid.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SipHash24Test {

  private static final byte[] KEY = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");

  @Test
  void matchesAllSixtyFourReferenceVectors() throws IOException {
    List<String> vectors = referenceVectors();
    assertThat(vectors).hasSize(64);
    for (int n = 0; n < vectors.size(); n++) {
      byte[] message = new byte[n];
      for (int i = 0; i < n; i++) {
        message[i] = (byte) i;
      }
      assertThat(HexFormat.of().formatHex(SipHash24.toBytes(SipHash24.hash(KEY, message))))
          .as("message length %d", n)
          .isEqualTo(vectors.get(n));
    }
  }

  @Test
  void matchesThePaperExample() {
    byte[] message = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e");
    assertThat(SipHash24.hash(KEY, message)).isEqualTo(0xa129ca6149be45e5L);
  }

  @Test
  void hashesASliceLikeACopy() {
    byte[] buf = new byte[80];
    for (int i = 0; i < buf.length; i++) {
      buf[i] = (byte) (i * 7);
    }
    byte[] slice = java.util.Arrays.copyOfRange(buf, 5, 69);
    assertThat(SipHash24.hash(KEY, buf, 5, 64)).isEqualTo(SipHash24.hash(KEY, slice));
  }

  @Test
  void rejectsAKeyThatIsNotSixteenBytes() {
    assertThatThrownBy(() -> SipHash24.hash(new byte[15], new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("SipHash key must be 16 bytes, got 15");
  }

  private static List<String> referenceVectors() throws IOException {
    try (var in = SipHash24Test.class.getResourceAsStream("siphash24-vectors.txt");
        var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      return reader.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).map(String::trim)
          .collect(Collectors.toList());
    }
  }
}
