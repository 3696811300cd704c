package io.synid.server.datastore;

/** The database failed or is unreachable; the operation had no effect. */
public final class DatastoreException extends RuntimeException {
  public DatastoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
