package io.synid.handshake;

/** The kernel refused to load, attach or update the datapath; the message carries libbpf's reason. */
public final class DatapathException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public DatapathException(String message) {
    super(message);
  }
}
