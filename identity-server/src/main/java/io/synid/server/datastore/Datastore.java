package io.synid.server.datastore;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Clock;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/**
 * The identity server's persistent state: registration entries, attested nodes, join tokens,
 * bundles, policies, the node handshake-key directory, observed flows and forwarded audit
 * records, in SQLite or PostgreSQL with the same schema (Flyway migrations under
 * {@code db/migration}).
 *
 * <p>Durability: SQLite runs in WAL mode with {@code synchronous=FULL}, so a write that returned
 * survives {@code kill -9} and power loss; PostgreSQL commits are durable by default. Every
 * multi-row change runs in one transaction, so nothing is half-written.
 */
public final class Datastore implements AutoCloseable {
  private final HikariDataSource dataSource;
  private final Jdbi jdbi;
  private final EntryStore entries;
  private final NodeStore nodes;
  private final JoinTokenStore joinTokens;
  private final BundleStore bundles;
  private final PolicyStore policies;
  private final NodeDirectoryStore directory;
  private final FlowStore flows;
  private final ForwardedAuditStore forwardedAudit;
  private final DatastoreConfig.Kind kind;

  private Datastore(HikariDataSource dataSource, DatastoreConfig.Kind kind, Clock clock) {
    this.dataSource = dataSource;
    this.kind = kind;
    this.jdbi = Jdbi.create(dataSource);
    this.entries = new EntryStore(jdbi, clock);
    this.nodes = new NodeStore(jdbi, clock);
    this.joinTokens = new JoinTokenStore(jdbi, clock);
    this.bundles = new BundleStore(jdbi, clock);
    this.policies = new PolicyStore(jdbi, clock);
    this.directory = new NodeDirectoryStore(jdbi, clock);
    this.flows = new FlowStore(jdbi);
    this.forwardedAudit = new ForwardedAuditStore(jdbi, clock);
  }

  /** Opens the pool and migrates the schema to the latest version. */
  public static Datastore open(DatastoreConfig config, Clock clock) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("synid-datastore");
    hikari.setMaximumPoolSize(config.maxConnections());
    switch (config.kind()) {
      case SQLITE -> {
        hikari.setJdbcUrl("jdbc:sqlite:" + config.connection());
        hikari.addDataSourceProperty("journal_mode", "WAL");
        hikari.addDataSourceProperty("synchronous", "FULL");
        hikari.addDataSourceProperty("busy_timeout", "30000");
        hikari.addDataSourceProperty("foreign_keys", "true");
        // Take the write lock at BEGIN: a deferred transaction that upgrades from read to write
        // fails at once with SQLITE_BUSY under contention, whatever the busy timeout says.
        hikari.addDataSourceProperty("transaction_mode", "IMMEDIATE");
      }
      case POSTGRES -> {
        hikari.setJdbcUrl(config.connection());
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
      }
    }
    HikariDataSource dataSource = new HikariDataSource(hikari);
    try {
      Flyway.configure()
          .dataSource(dataSource)
          .locations("classpath:db/migration")
          .load()
          .migrate();
    } catch (RuntimeException e) {
      dataSource.close();
      throw new DatastoreException("schema migration failed: " + e.getMessage(), e);
    }
    return new Datastore(dataSource, config.kind(), clock);
  }

  public EntryStore entries() {
    return entries;
  }

  public NodeStore nodes() {
    return nodes;
  }

  public JoinTokenStore joinTokens() {
    return joinTokens;
  }

  public BundleStore bundles() {
    return bundles;
  }

  public PolicyStore policies() {
    return policies;
  }

  public NodeDirectoryStore directory() {
    return directory;
  }

  public FlowStore flows() {
    return flows;
  }

  public ForwardedAuditStore forwardedAudit() {
    return forwardedAudit;
  }

  public DatastoreConfig.Kind kind() {
    return kind;
  }

  /** Runs a trivial query; used by the health check. */
  public void ping() {
    jdbi.withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one());
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
