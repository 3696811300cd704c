package io.synid.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads the files and stdin that flags such as {@code -data} and {@code -path} name. */
public final class InputFiles {
  private InputFiles() {}

  /** The file's bytes; failures read like Go's ({@code open x: no such file or directory}). */
  public static byte[] read(Path path) throws CliException {
    try {
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new CliException("open " + path + ": no such file or directory", e);
    } catch (AccessDeniedException e) {
      throw new CliException("open " + path + ": permission denied", e);
    } catch (IOException e) {
      throw new CliException("open " + path + ": " + e.getMessage(), e);
    }
  }

  /** Everything left on the stream. */
  public static byte[] readAll(InputStream in) throws CliException {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new CliException("read stdin: " + e.getMessage(), e);
    }
  }

  /** {@code -} means stdin, anything else a file (SPIRE's {@code -data} convention). */
  public static byte[] readDashForStdin(String path, InputStream stdin) throws CliException {
    return path.equals("-") ? readAll(stdin) : read(Path.of(path));
  }
}
