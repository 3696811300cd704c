package io.synid.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PemTest {
  @Test
  void encodesLinesOf64LikeGo() {
    byte[] der = new byte[100];
    for (int i = 0; i < der.length; i++) {
      der[i] = (byte) i;
    }
    String pem = Pem.encode("CERTIFICATE", der);
    assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("\n-----END CERTIFICATE-----\n");
    assertThat(pem.split("\n")[1]).hasSize(64);
    List<Pem.Block> blocks = Pem.decode(("junk\n" + pem + pem).getBytes(StandardCharsets.US_ASCII));
    assertThat(blocks).hasSize(2);
    assertThat(blocks.get(0).type()).isEqualTo("CERTIFICATE");
    assertThat(blocks.get(1).bytes()).isEqualTo(der);
  }

  @Test
  void noBlocksAndGarbage() {
    assertThat(Pem.decode("nothing here".getBytes(StandardCharsets.US_ASCII))).isEmpty();
    Random random = new Random(3);
    for (int i = 0; i < 2000; i++) {
      byte[] junk = new byte[random.nextInt(200)];
      random.nextBytes(junk);
      Pem.decode(junk);
      Pem.decode(("-----BEGIN X-----\n" + new String(junk, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1));
    }
  }
}
