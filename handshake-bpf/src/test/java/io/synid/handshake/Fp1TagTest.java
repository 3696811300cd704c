package io.synid.handshake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

class Fp1TagTest {

  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] KEY = HEX.parseHex("000102030405060708090a0b0c0d0e0f");

  private static TcpHandshake v4() throws Exception {
    return new TcpHandshake(InetAddress.getByName("10.199.0.1"), 40000, InetAddress.getByName("10.199.0.2"), 8080,
        0x11223344, 0x55667788);
  }

  @Test
  void macInputHasTheDocumentedLayout() throws Exception {
    Fp1Option synAck = new Fp1Option(true, 3, 0x0102, 0x00200001, 0);
    byte[] in = Fp1Tag.input(synAck, v4(), 0x00100007);
    assertThat(HEX.formatHex(in)).isEqualTo(
        "46503102" + "11" + "03" + "0102" + "00200001" + "11223344"
            + "00000000000000000000ffff0ac70001" + "00000000000000000000ffff0ac70002"
            + "9c40" + "1f90" + "55667788" + "00100007" + "00000000");
  }

  @Test
  void aSynTagIgnoresTheServerIsnAndPeerIdent() throws Exception {
    Fp1Option syn = new Fp1Option(false, 3, 0x0102, 0x00100007, 0);
    TcpHandshake h = v4();
    TcpHandshake otherServerIsn = new TcpHandshake(h.client(), h.clientPort(), h.server(), h.serverPort(),
        h.clientIsn(), 42);
    assertThat(Fp1Tag.syn(KEY, syn, h)).isEqualTo(Fp1Tag.syn(KEY, syn, otherServerIsn));
  }

  @Test
  void everyBoundFieldChangesTheTag() throws Exception {
    Fp1Option o = new Fp1Option(true, 3, 0x0102, 0x00200001, 0);
    TcpHandshake h = v4();
    InetAddress other = InetAddress.getByName("10.199.0.9");
    Set<Long> tags = new HashSet<>();
    tags.add(Fp1Tag.synAck(KEY, o, h, 7));
    tags.add(Fp1Tag.synAck(KEY, o, h, 8));
    tags.add(Fp1Tag.synAck(KEY, new Fp1Option(true, 4, 0x0102, 0x00200001, 0), h, 7));
    tags.add(Fp1Tag.synAck(KEY, new Fp1Option(true, 3, 0x0103, 0x00200001, 0), h, 7));
    tags.add(Fp1Tag.synAck(KEY, new Fp1Option(true, 3, 0x0102, 0x00200002, 0), h, 7));
    tags.add(Fp1Tag.synAck(KEY, o, new TcpHandshake(other, 40000, h.server(), 8080, h.clientIsn(), h.serverIsn()), 7));
    tags.add(Fp1Tag.synAck(KEY, o, new TcpHandshake(h.client(), 40001, h.server(), 8080, h.clientIsn(), h.serverIsn()), 7));
    tags.add(Fp1Tag.synAck(KEY, o, new TcpHandshake(h.client(), 40000, other, 8080, h.clientIsn(), h.serverIsn()), 7));
    tags.add(Fp1Tag.synAck(KEY, o, new TcpHandshake(h.client(), 40000, h.server(), 8081, h.clientIsn(), h.serverIsn()), 7));
    tags.add(Fp1Tag.synAck(KEY, o, new TcpHandshake(h.client(), 40000, h.server(), 8080, 1, h.serverIsn()), 7));
    tags.add(Fp1Tag.synAck(KEY, o, new TcpHandshake(h.client(), 40000, h.server(), 8080, h.clientIsn(), 1), 7));
    byte[] otherKey = KEY.clone();
    otherKey[15] ^= 1;
    tags.add(Fp1Tag.synAck(otherKey, o, h, 7));
    assertThat(tags).hasSize(12);
  }

  @Test
  void anIpv4AddressAndItsMappedFormSignAlike() throws Exception {
    Fp1Option syn = new Fp1Option(false, 3, 0x0102, 0x00100007, 0);
    TcpHandshake h = v4();
    byte[] mapped = TcpHandshake.mapped(h.client());
    assertThat(HEX.formatHex(mapped)).isEqualTo("00000000000000000000ffff0ac70001");
    TcpHandshake v6 = new TcpHandshake(InetAddress.getByName("fd00:199::1"), 40000,
        InetAddress.getByName("fd00:199::2"), 8080, 1, 0);
    assertThat(HEX.formatHex(TcpHandshake.mapped(v6.client()))).isEqualTo("fd000199000000000000000000000001");
    assertThat(Fp1Tag.syn(KEY, syn, v6)).isNotEqualTo(Fp1Tag.syn(KEY, syn, h));
  }

  @Test
  void rolesCannotBeMixedUp() throws Exception {
    assertThatThrownBy(() -> Fp1Tag.syn(KEY, new Fp1Option(true, 0, 0, 0, 0), v4()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("a SYN option has the R flag clear");
    assertThatThrownBy(() -> Fp1Tag.synAck(KEY, new Fp1Option(false, 0, 0, 0, 0), v4(), 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("a SYN-ACK option has the R flag set");
  }
}
