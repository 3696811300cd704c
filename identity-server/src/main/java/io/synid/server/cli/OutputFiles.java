package io.synid.server.cli;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files written by {@code -write}: replaced atomically (a temporary file in the same directory,
 * then a rename), readable by all for certificates, by the owner only for keys and tokens.
 */
public final class OutputFiles {
  private static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");
  private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");

  private OutputFiles() {}

  public static void writePubliclyReadable(Path path, byte[] data) throws IOException {
    write(path, data, PUBLIC);
  }

  public static void writePrivate(Path path, byte[] data) throws IOException {
    write(path, data, PRIVATE);
  }

  private static void write(Path path, byte[] data, Set<PosixFilePermission> mode)
      throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp",
        PosixFilePermissions.asFileAttribute(PRIVATE));
    try {
      Files.write(tmp, data);
      Files.setPosixFilePermissions(tmp, mode);
      try {
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
