package io.synid.server.datastore;

import java.util.Objects;

/**
 * Where the datastore lives.
 *
 * @param kind SQLite (embedded, the default) or PostgreSQL
 * @param connection for SQLite a file path; for PostgreSQL a JDBC URL
 *     ({@code jdbc:postgresql://host:port/db})
 * @param user PostgreSQL user (ignored for SQLite)
 * @param password PostgreSQL password (ignored for SQLite); never logged
 * @param maxConnections pool size
 */
public record DatastoreConfig(
    Kind kind, String connection, String user, String password, int maxConnections) {

  /**
   * The supported database engines. Both run the same migrations ({@code db/migration}), written
   * in the SQL both accept; an engine-specific step would get its own folder.
   */
  public enum Kind {
    SQLITE,
    POSTGRES
  }

  public DatastoreConfig {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(connection, "connection");
    user = user == null ? "" : user;
    password = password == null ? "" : password;
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1");
    }
  }

  public static DatastoreConfig sqlite(String path) {
    return new DatastoreConfig(Kind.SQLITE, path, "", "", 4);
  }

  @Override
  public String toString() {
    return "DatastoreConfig[kind=" + kind + ", connection=" + connection + ", user=" + user + "]";
  }
}
