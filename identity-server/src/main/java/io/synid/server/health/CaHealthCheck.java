package io.synid.server.health;

import com.codahale.metrics.health.HealthCheck;
import io.synid.server.ca.CertificateAuthority;
import java.time.Clock;

/** Healthy when the active X.509 authority is valid now. */
public final class CaHealthCheck extends HealthCheck {
  private final CertificateAuthority ca;
  private final Clock clock;

  public CaHealthCheck(CertificateAuthority ca, Clock clock) {
    this.ca = ca;
    this.clock = clock;
  }

  @Override
  protected Result check() {
    var cert = ca.activeX509Authority().certificate();
    if (!cert.getNotAfter().toInstant().isAfter(clock.instant())) {
      return Result.unhealthy("active X.509 authority expired at " + cert.getNotAfter().toInstant());
    }
    return Result.healthy("active X.509 authority valid until " + cert.getNotAfter().toInstant());
  }
}
