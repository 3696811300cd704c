package io.synid.nodeattestor.jointoken;

/** Where join tokens are kept: the server's datastore. */
@FunctionalInterface
public interface JoinTokenRedeemer {
  /**
   * Consumes {@code token} atomically: of any number of concurrent calls with the same token,
   * at most one returns {@code true}, and only if the token existed and had not expired. A
   * redeemed or expired token is gone afterwards.
   */
  boolean redeem(String token);
}
