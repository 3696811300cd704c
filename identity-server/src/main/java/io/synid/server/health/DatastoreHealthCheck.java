package io.synid.server.health;

import com.codahale.metrics.health.HealthCheck;
import io.synid.server.datastore.Datastore;

/** Healthy when the datastore answers a trivial query. */
public final class DatastoreHealthCheck extends HealthCheck {
  private final Datastore datastore;

  public DatastoreHealthCheck(Datastore datastore) {
    this.datastore = datastore;
  }

  @Override
  protected Result check() {
    try {
      datastore.ping();
      return Result.healthy(datastore.kind().name().toLowerCase(java.util.Locale.ROOT));
    } catch (RuntimeException e) {
      return Result.unhealthy("datastore unreachable: " + e.getMessage());
    }
  }
}
