package io.synid.server.datastore;

import io.synid.server.entry.RegistrationEntry;

/** An entry with the same SPIFFE ID, parent ID and selectors (or the same entry ID) exists. */
public final class AlreadyExistsException extends Exception {
  private final transient RegistrationEntry existing;

  public AlreadyExistsException(RegistrationEntry existing) {
    super("similar entry already exists");
    this.existing = existing;
  }

  /** The entry that is already stored. */
  public RegistrationEntry existing() {
    return existing;
  }
}
