package io.synid.server.datastore;

import java.time.Clock;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;

/** Single-use join tokens. */
public final class JoinTokenStore {
  private final Jdbi jdbi;
  private final Clock clock;

  JoinTokenStore(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  public void create(String token, Instant expiresAt) {
    jdbi.useHandle(h -> h.createUpdate(
            "INSERT INTO join_tokens (token, expires_at) VALUES (:t, :e)")
        .bind("t", token).bind("e", expiresAt.getEpochSecond()).execute());
  }

  /**
   * Consumes a token: deletes it and reports whether it existed and had not expired. The delete
   * is one statement, so of two agents redeeming the same token at the same instant exactly one
   * sees {@code true}.
   */
  public boolean redeem(String token) {
    long now = clock.instant().getEpochSecond();
    return jdbi.inTransaction(h -> {
      int deleted = h.createUpdate("DELETE FROM join_tokens WHERE token = :t AND expires_at > :now")
          .bind("t", token).bind("now", now).execute();
      // Expired tokens are useless; remove them in the same transaction.
      h.createUpdate("DELETE FROM join_tokens WHERE token = :t").bind("t", token).execute();
      return deleted == 1;
    });
  }

  public boolean exists(String token) {
    return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM join_tokens WHERE token = :t")
        .bind("t", token).mapTo(Integer.class).one() > 0);
  }

  /** Deletes expired tokens; returns how many. */
  public int pruneExpired() {
    long now = clock.instant().getEpochSecond();
    return jdbi.withHandle(h -> h.createUpdate("DELETE FROM join_tokens WHERE expires_at <= :now")
        .bind("now", now).execute());
  }
}
