package io.synid.server.datastore;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Trust bundles by trust domain name, stored in the SPIFFE bundle JSON format: the server's own
 * bundle and federated ones. Parsing and validation happen above this store.
 */
public final class BundleStore {
  private final Jdbi jdbi;
  private final Clock clock;

  BundleStore(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** Stores {@code json} for {@code trustDomain}, replacing what was there. */
  public void put(String trustDomain, String json) {
    long now = clock.instant().getEpochSecond();
    jdbi.useTransaction(h -> {
      int updated = h.createUpdate("UPDATE bundles SET bundle_json = :j, updated_at = :u"
              + " WHERE trust_domain = :td")
          .bind("td", trustDomain).bind("j", json).bind("u", now).execute();
      if (updated == 0) {
        h.createUpdate("INSERT INTO bundles (trust_domain, bundle_json, updated_at)"
                + " VALUES (:td, :j, :u)")
            .bind("td", trustDomain).bind("j", json).bind("u", now).execute();
      }
    });
  }

  public Optional<String> get(String trustDomain) {
    return jdbi.withHandle(h -> h.createQuery(
            "SELECT bundle_json FROM bundles WHERE trust_domain = :td")
        .bind("td", trustDomain).mapTo(String.class).findFirst());
  }

  /** All bundles, ordered by trust domain name. */
  public Map<String, String> all() {
    return jdbi.withHandle(h -> {
      Map<String, String> result = new LinkedHashMap<>();
      h.createQuery("SELECT trust_domain, bundle_json FROM bundles ORDER BY trust_domain")
          .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
          .forEach(e -> result.put(e.getKey(), e.getValue()));
      return result;
    });
  }

  public boolean delete(String trustDomain) {
    return jdbi.withHandle(h -> h.createUpdate("DELETE FROM bundles WHERE trust_domain = :td")
        .bind("td", trustDomain).execute() > 0);
  }
}
