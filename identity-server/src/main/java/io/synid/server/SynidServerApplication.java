package io.synid.server;

import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.synid.core.spiffeid.TrustDomain;
import io.synid.core.x509.KeyType;
import io.synid.server.agentapi.AgentApiSettings;
import io.synid.server.ca.CaSettings;
import io.synid.server.config.ServerConfiguration;
import io.synid.server.health.AdminApiHealthCheck;
import io.synid.server.health.CaHealthCheck;
import io.synid.server.health.DatastoreHealthCheck;
import io.synid.server.health.PrometheusMetricsServlet;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity server as a Dropwizard application. This class only wires: the configuration
 * becomes {@link IdentityServer.Settings}, and Dropwizard's lifecycle starts and stops the
 * {@link IdentityServer}, CA rotation, health checks and metrics.
 */
public final class SynidServerApplication extends Application<ServerConfiguration> {
  private static final Logger LOG = LoggerFactory.getLogger(SynidServerApplication.class);

  @Override
  public String getName() {
    return "synid-server";
  }

  @Override
  public void initialize(Bootstrap<ServerConfiguration> bootstrap) {
    bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(
        bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(true)));
  }

  /** Resolves a validated configuration into the server's settings. */
  public static IdentityServer.Settings settings(ServerConfiguration config) throws Exception {
    TrustDomain trustDomain = TrustDomain.parse(config.getTrustDomain());
    Path dataDir = Path.of(config.getDataDir()).toAbsolutePath();
    Files.createDirectories(dataDir);
    Optional<CaSettings.UpstreamCa> upstream = Optional.ofNullable(config.getCa().getUpstream())
        .map(u -> new CaSettings.UpstreamCa(Path.of(u.getCertificateChainFile()), Path.of(u.getKeyFile())));
    CaSettings ca = new CaSettings(trustDomain,
        KeyType.fromConfigName(config.getCa().getKeyType()),
        KeyType.fromConfigName(config.getCa().getJwtKeyType()),
        Duration.ofSeconds(config.getCa().getTtl().toSeconds()),
        Duration.ofSeconds(config.getCa().getRefreshHint().toSeconds()),
        dataDir.resolve("ca"), upstream);
    return new IdentityServer.Settings(trustDomain, config.getDatastore().build(dataDir), ca,
        Duration.ofSeconds(config.getSvid().getDefaultX509SvidTtl().toSeconds()),
        Duration.ofSeconds(config.getSvid().getDefaultJwtSvidTtl().toSeconds()),
        Path.of(config.getAdminSocketPath()), dataDir.resolve(config.getAudit().getFile()),
        new AgentApiSettings(
            new InetSocketAddress(config.getAgentApi().getBindAddress(), config.getAgentApi().getPort()),
            Optional.ofNullable(config.getAgentApi().getX509pop()).map(x -> Path.of(x.getCaBundlePath()))));
  }

  @Override
  public void run(ServerConfiguration config, Environment environment) throws Exception {
    Clock clock = Clock.systemUTC();
    IdentityServer server = new IdentityServer(settings(config), clock);
    environment.lifecycle().manage(new Managed() {
      @Override
      public void start() throws Exception {
        server.start();
        LOG.info("admin API listening on {}", server.settings().adminSocket());
        LOG.info("agent API listening on {}:{}", server.settings().agentApi().address().getHostString(),
            server.agentApiPort());
      }

      @Override
      public void stop() throws Exception {
        server.close();
      }
    });
    ScheduledExecutorService maintenance =
        environment.lifecycle().scheduledExecutorService("server-maintenance").threads(1).build();
    maintenance.scheduleWithFixedDelay(() -> {
      try {
        server.ca().rotate();
      } catch (Exception e) {
        LOG.error("CA rotation failed: {}", e.getMessage(), e);
      }
    }, 1, 1, TimeUnit.SECONDS);

    Duration flowRetention = Duration.ofSeconds(config.getRetention().getFlows().toSeconds());
    Duration auditRetention =
        Duration.ofSeconds(config.getRetention().getForwardedAudit().toSeconds());
    maintenance.scheduleWithFixedDelay(() -> {
      try {
        IdentityServer.Pruned pruned = server.applyRetention(flowRetention, auditRetention);
        if (pruned.flows() + pruned.forwardedAuditRecords() > 0) {
          LOG.info("retention: deleted {} flows and {} forwarded audit records", pruned.flows(),
              pruned.forwardedAuditRecords());
        }
      } catch (RuntimeException e) {
        LOG.error("retention failed: {}", e.getMessage(), e);
      }
    }, 1, 3600, TimeUnit.SECONDS);

    environment.healthChecks().register("datastore", new DatastoreHealthCheck(server.datastore()));
    environment.healthChecks().register("ca", new CaHealthCheck(server.ca(), clock));
    environment.healthChecks().register("admin-api", new AdminApiHealthCheck(server::isRunning));
    environment.admin().addServlet("prometheus", new PrometheusMetricsServlet(environment.metrics()))
        .addMapping("/metrics/prometheus");
    LOG.info("synid-server configured: trust_domain={} datastore={}",
        server.settings().trustDomain().name(), server.datastore().kind());
  }
}
