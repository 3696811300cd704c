package io.synid.server.cli;

/**
 * A failure reported to the operator as {@code Error: <message>} on stderr, with exit status 1
 * (the convention of SPIRE's CLI, which scripts rely on).
 */
public final class CliException extends Exception {
  private static final long serialVersionUID = 1L;

  public CliException(String message) {
    super(message);
  }

  public CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
