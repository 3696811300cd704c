package io.synid.server.entry;

/** A registration entry from an untrusted source is malformed; the message says which field. */
public final class InvalidEntryException extends Exception {
  public InvalidEntryException(String message) {
    super(message);
  }
}
