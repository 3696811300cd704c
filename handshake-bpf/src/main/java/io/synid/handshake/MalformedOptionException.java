package io.synid.handshake;

/** Untrusted TCP option bytes that are not a valid option list or FP1 option. */
public final class MalformedOptionException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Creates the exception with one of the {@link Fp1Option} message constants. */
  public MalformedOptionException(String message) {
    super(message);
  }
}
