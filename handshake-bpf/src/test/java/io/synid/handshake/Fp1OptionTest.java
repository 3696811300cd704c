package io.synid.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Fp1OptionTest {

  private static final HexFormat HEX = HexFormat.of();
  private static final Fp1Option OPTION = new Fp1Option(true, 7, 0xbeef, 0x00100005, 0x0807060504030201L);
  // The default Linux SYN options (MSS, SACK-permitted, timestamps, NOP, window scale): 20 bytes.
  private static final String LINUX_SYN = "020405b4" + "0402080a0000000100000000" + "01030307";

  @Test
  void encodesTheDocumentedLayout() {
    assertThat(HEX.formatHex(OPTION.encode())).isEqualTo("fe145349" + "11" + "07" + "beef" + "00100005"
        + "0102030405060708");
  }

  @Test
  void decodeInvertsEncode() throws Exception {
    assertThat(Fp1Option.decode(OPTION.encode(), 0)).isEqualTo(OPTION);
  }

  @Test
  void findsFp1AfterTheDefaultLinuxOptions() throws Exception {
    byte[] options = HEX.parseHex(LINUX_SYN + HEX.formatHex(OPTION.encode()));
    assertThat(options).hasSize(40);
    assertThat(Fp1Option.find(options)).contains(OPTION);
  }

  @Test
  void anOptionListWithoutFp1FindsNothing() throws Exception {
    assertThat(Fp1Option.find(HEX.parseHex(LINUX_SYN))).isEmpty();
    assertThat(Fp1Option.find(new byte[0])).isEmpty();
  }

  @Test
  void anotherExperimentUnderKind254IsSkipped() throws Exception {
    // RFC 6994: kind 254 is shared; only our ExID is FP1. TCP Fast Open's old ExID is f989.
    byte[] options = HEX.parseHex("fe06f989aabb" + "0101" + HEX.formatHex(OPTION.encode()));
    assertThat(Fp1Option.find(options)).contains(OPTION);
  }

  @Test
  void optionsAfterEndOfListAreIgnored() throws Exception {
    byte[] options = HEX.parseHex("00" + HEX.formatHex(OPTION.encode()));
    assertThat(Fp1Option.find(options)).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "length byte missing, 0204, 05, " + Fp1Option.TRUNCATED,
      "length zero, 0200, , " + Fp1Option.BAD_OPTION_LENGTH,
      "length one, 0201, , " + Fp1Option.BAD_OPTION_LENGTH,
      "option runs past the list, 020a05b4, , " + Fp1Option.TRUNCATED,
      "FP1 too short, fe105349110700010010000501020304, , " + Fp1Option.BAD_FP1_LENGTH,
      "FP1 too long, fe1653491107beef001000050102030405060708aabb, , " + Fp1Option.BAD_FP1_LENGTH,
      "FP1 cut off, fe1453491107beef0010000501020304, , " + Fp1Option.TRUNCATED,
      "FP1 version 2, fe1453492107beef001000050102030405060708, , " + Fp1Option.BAD_VERSION,
      "FP1 version 0, fe1453490107beef001000050102030405060708, , " + Fp1Option.BAD_VERSION,
      "FP1 reserved flag M, fe1453491207beef001000050102030405060708, , " + Fp1Option.BAD_FLAGS,
      "FP1 reserved flag 0x8, fe1453491807beef001000050102030405060708, , " + Fp1Option.BAD_FLAGS,
      "list longer than 40 bytes, 0101010101010101010101010101010101010101010101010101010101010101010101010101010101,"
          + " , " + Fp1Option.OPTIONS_TOO_LONG,
  })
  void rejectsHostileOptionLists(String name, String head, String tail, String message) {
    byte[] options = HEX.parseHex(head + (tail == null ? "" : tail));
    assertThatThrownBy(() -> Fp1Option.find(options))
        .isInstanceOf(MalformedOptionException.class)
        .hasMessage(message);
  }

  @Test
  void decodeRejectsBytesThatAreNotFp1() {
    assertThatThrownBy(() -> Fp1Option.decode(HEX.parseHex("fe145350110700010010000501020304aabbccdd"), 0))
        .isInstanceOf(MalformedOptionException.class)
        .hasMessage(Fp1Option.NOT_FP1);
    assertThatThrownBy(() -> Fp1Option.decode(new byte[3], 0))
        .isInstanceOf(MalformedOptionException.class)
        .hasMessage(Fp1Option.TRUNCATED);
  }

  @Test
  void randomBytesNeverEscapeTheCheckedException() {
    SplittableRandom random = new SplittableRandom(0x5eed);
    int found = 0;
    int decoded = 0;
    for (int i = 0; i < 200_000; i++) {
      byte[] options = new byte[random.nextInt(41)];
      random.nextBytes(options);
      if (i % 4 == 0 && options.length >= 24) {
        // Bias a quarter of the cases towards our option so its decoder is exercised too.
        int at = random.nextInt(options.length - 20 + 1);
        options[at] = (byte) Fp1Option.KIND;
        options[at + 1] = (byte) (random.nextBoolean() ? 20 : random.nextInt(256));
        options[at + 2] = 0x53;
        options[at + 3] = 0x49;
      }
      try {
        Optional<Fp1Option> option = Fp1Option.find(options);
        if (option.isPresent()) {
          found++;
          assertThat(Fp1Option.decode(option.get().encode(), 0)).isEqualTo(option.get());
        }
      } catch (MalformedOptionException expected) {
        assertThat(expected.getMessage()).isIn(Fp1Option.TRUNCATED, Fp1Option.BAD_OPTION_LENGTH,
            Fp1Option.BAD_FP1_LENGTH, Fp1Option.BAD_VERSION, Fp1Option.BAD_FLAGS, Fp1Option.NOT_FP1);
      }
      for (int at = 0; at + Fp1Option.LENGTH <= options.length; at++) {
        // Whatever decodes encodes back to the same bytes: the tag covers all of them.
        try {
          byte[] bytes = Arrays.copyOfRange(options, at, at + Fp1Option.LENGTH);
          assertThat(Fp1Option.decode(options, at).encode()).isEqualTo(bytes);
          decoded++;
        } catch (MalformedOptionException notHere) {
          // most positions hold no option
        }
      }
    }
    assertThat(found).as("random lists that decode to FP1").isPositive();
    assertThat(decoded).as("positions that decode to FP1").isPositive();
  }

  @Test
  void rejectsOutOfRangeFields() {
    assertThatThrownBy(() -> new Fp1Option(false, 256, 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("keyId out of range: 256");
    assertThatThrownBy(() -> new Fp1Option(false, 0, 65536, 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ts16 out of range: 65536");
  }
}
