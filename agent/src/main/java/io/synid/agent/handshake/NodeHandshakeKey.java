package io.synid.agent.handshake;

import io.synid.handshake.NodeKeyPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * The node's X25519 handshake key, kept in {@code <dataDir>/handshake.key} (the raw 32-byte
 * private scalar, mode 0600, written atomically). The same key across restarts keeps pairwise
 * keys stable, so a restarted agent's peers need nothing new from the server.
 */
public final class NodeHandshakeKey {
  private NodeHandshakeKey() {}

  /**
   * Loads the key, creating it on first use.
   *
   * @throws IOException if the file exists but is not a 32-byte key, or cannot be written
   */
  public static NodeKeyPair loadOrCreate(Path dataDir) throws IOException {
    Path file = dataDir.resolve("handshake.key");
    try {
      byte[] scalar = Files.readAllBytes(file);
      if (scalar.length != NodeKeyPair.KEY_BYTES) {
        throw new IOException(file + " is not a 32-byte X25519 private key (" + scalar.length
            + " bytes); remove it to generate a new key");
      }
      return NodeKeyPair.fromPrivateKey(scalar);
    } catch (NoSuchFileException e) {
      byte[] scalar = new byte[NodeKeyPair.KEY_BYTES];
      new SecureRandom().nextBytes(scalar);
      Path tmp = Files.createTempFile(dataDir, ".handshake.key.", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try {
        Files.write(tmp, scalar);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
      return NodeKeyPair.fromPrivateKey(scalar);
    }
  }
}
