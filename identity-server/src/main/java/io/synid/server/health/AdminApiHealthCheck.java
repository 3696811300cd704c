package io.synid.server.health;

import com.codahale.metrics.health.HealthCheck;
import java.util.function.BooleanSupplier;

/** Healthy when the admin gRPC server is listening. */
public final class AdminApiHealthCheck extends HealthCheck {
  private final BooleanSupplier running;

  public AdminApiHealthCheck(BooleanSupplier running) {
    this.running = running;
  }

  @Override
  protected Result check() {
    return running.getAsBoolean() ? Result.healthy() : Result.unhealthy("admin API not listening");
  }
}
