package io.synid.server.datastore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * Opens fresh datastores for tests: a SQLite file in a temp directory, and a new database in the
 * PostgreSQL server named by {@code -Dsynid.postgres.url} (started by {@code scripts/test.sh}).
 * A missing PostgreSQL is a test failure, never a skip.
 */
public final class TestDatastores {
  private TestDatastores() {}

  /** The engines every datastore test runs against. */
  public static List<DatastoreConfig.Kind> kinds() {
    return List.of(DatastoreConfig.Kind.SQLITE, DatastoreConfig.Kind.POSTGRES);
  }

  public static DatastoreConfig config(DatastoreConfig.Kind kind, Path tempDir) throws Exception {
    if (kind == DatastoreConfig.Kind.SQLITE) {
      return new DatastoreConfig(kind, tempDir.resolve("test-" + UUID.randomUUID() + ".sqlite3").toString(), "", "", 4);
    }
    String url = System.getProperty("synid.postgres.url", "");
    if (url.isEmpty()) {
      throw new IllegalStateException("PostgreSQL tests need -Dsynid.postgres.url (scripts/test.sh starts"
          + " a throwaway server and passes it)");
    }
    String user = System.getProperty("synid.postgres.user", "synid");
    String password = System.getProperty("synid.postgres.password", "synid");
    String db = "synid_test_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + db);
    }
    String dbUrl = url.substring(0, url.lastIndexOf('/') + 1) + db;
    return new DatastoreConfig(kind, dbUrl, user, password, 8);
  }

  public static Datastore open(DatastoreConfig.Kind kind, Path tempDir, Clock clock) throws Exception {
    Files.createDirectories(tempDir);
    return Datastore.open(config(kind, tempDir), clock);
  }
}
