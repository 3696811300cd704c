package io.synid.server.ca;

/** The CA could not do what was asked; the message says what and why. */
public final class CaException extends Exception {
  public CaException(String message) {
    super(message);
  }

  public CaException(String message, Throwable cause) {
    super(message, cause);
  }
}
