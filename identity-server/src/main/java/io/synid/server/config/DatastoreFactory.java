package io.synid.server.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.synid.server.datastore.DatastoreConfig;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.nio.file.Path;

/** Which database holds the server's state. SQLite (embedded) unless PostgreSQL is chosen. */
public class DatastoreFactory {
  @Pattern(regexp = "sqlite|postgresql", message = "must be sqlite or postgresql")
  private String type = "sqlite";

  /** SQLite file; relative paths are inside dataDir. */
  private String path = "datastore.sqlite3";

  /** PostgreSQL JDBC URL, e.g. jdbc:postgresql://127.0.0.1:5432/synid */
  private String url = "";

  private String user = "";

  /** Never logged. Use ${ENV_VAR} substitution rather than writing it in the file. */
  private String password = "";

  @Min(value = 1, message = "must be at least 1")
  @Max(value = 200, message = "must be at most 200")
  private int maxConnections = 8;

  @JsonProperty
  public String getType() {
    return type;
  }

  @JsonProperty
  public void setType(String type) {
    this.type = type;
  }

  @JsonProperty
  public String getPath() {
    return path;
  }

  @JsonProperty
  public void setPath(String path) {
    this.path = path;
  }

  @JsonProperty
  public String getUrl() {
    return url;
  }

  @JsonProperty
  public void setUrl(String url) {
    this.url = url;
  }

  @JsonProperty
  public String getUser() {
    return user;
  }

  @JsonProperty
  public void setUser(String user) {
    this.user = user;
  }

  @JsonProperty
  public void setPassword(String password) {
    this.password = password;
  }

  @JsonProperty
  public int getMaxConnections() {
    return maxConnections;
  }

  @JsonProperty
  public void setMaxConnections(int maxConnections) {
    this.maxConnections = maxConnections;
  }

  @AssertTrue(message = "url is required when type is postgresql (jdbc:postgresql://host:port/database)")
  @JsonIgnore
  public boolean isPostgresUrlPresent() {
    return !type.equals("postgresql") || url.startsWith("jdbc:postgresql://");
  }

  /** Resolves the settings; relative SQLite paths are taken inside {@code dataDir}. */
  public DatastoreConfig build(Path dataDir) {
    if (type.equals("postgresql")) {
      return new DatastoreConfig(DatastoreConfig.Kind.POSTGRES, url, user, password, maxConnections);
    }
    // SQLite allows one writer at a time; a small pool avoids lock convoys.
    return new DatastoreConfig(DatastoreConfig.Kind.SQLITE, dataDir.resolve(path).toString(), "", "",
        Math.min(maxConnections, 4));
  }
}
