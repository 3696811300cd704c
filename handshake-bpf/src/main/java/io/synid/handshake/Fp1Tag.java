package io.synid.handshake;

import java.nio.ByteBuffer;

/**
 * Computes FP1 tags exactly as the kernel programs do.
 *
 * <p>The tag is SipHash-2-4 under the directional pairwise key over 64 bytes:
 *
 * <pre>
 *  0-3   'F' 'P' '1' role (1 = SYN, 2 = SYN-ACK)     domain separation
 *  4     version/flags      5  key_id     6-7  ts16     8-11 ident
 *  12-15 client ISN         16-31 client address      32-47 server address (16-byte mapped)
 *  48-49 client port        50-51 server port
 *  52-55 server ISN (0 in a SYN)
 *  56-59 peer ident: in a SYN-ACK, the client ident it answers (0 in a SYN)
 *  60-63 zero
 * </pre>
 *
 * All integers big-endian. Binding both ISNs makes a captured option useless on any other
 * connection, which is why no replay cache is needed.
 */
public final class Fp1Tag {

  /** Length of the MAC input. */
  public static final int INPUT_BYTES = 64;

  private Fp1Tag() {}

  /** The 64-byte MAC input for {@code option} (its tag is ignored) on {@code handshake}. */
  public static byte[] input(Fp1Option option, TcpHandshake handshake, int peerIdent) {
    ByteBuffer b = ByteBuffer.allocate(INPUT_BYTES);
    b.put((byte) 'F').put((byte) 'P').put((byte) '1').put((byte) (option.responder() ? 2 : 1));
    b.put((byte) option.versionFlags()).put((byte) option.keyId()).putShort((short) option.ts16());
    b.putInt(option.ident());
    b.putInt(handshake.clientIsn());
    b.put(TcpHandshake.mapped(handshake.client()));
    b.put(TcpHandshake.mapped(handshake.server()));
    b.putShort((short) handshake.clientPort()).putShort((short) handshake.serverPort());
    b.putInt(option.responder() ? handshake.serverIsn() : 0);
    b.putInt(option.responder() ? peerIdent : 0);
    b.putInt(0);
    return b.array();
  }

  /** The tag of a SYN's option. */
  public static long syn(byte[] key, Fp1Option option, TcpHandshake handshake) {
    if (option.responder()) {
      throw new IllegalArgumentException("a SYN option has the R flag clear");
    }
    return SipHash24.hash(key, input(option, handshake, 0));
  }

  /** The tag of a SYN-ACK's option answering a client whose ident was {@code clientIdent}. */
  public static long synAck(byte[] key, Fp1Option option, TcpHandshake handshake, int clientIdent) {
    if (!option.responder()) {
      throw new IllegalArgumentException("a SYN-ACK option has the R flag set");
    }
    return SipHash24.hash(key, input(option, handshake, clientIdent));
  }
}
