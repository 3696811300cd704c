package io.synid.server.ca;

/** Lifecycle of a signing authority, as SPIRE names it. */
public enum AuthorityStatus {
  /** Generated and published in the bundle, not yet signing. */
  PREPARED,
  /** Signs new SVIDs. */
  ACTIVE,
  /** Replaced; kept in the bundle until it expires. */
  OLD,
  /** Forcibly retired (for example after a key compromise); still published until removed. */
  TAINTED
}
