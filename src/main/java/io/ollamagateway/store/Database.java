package io.ollamagateway.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The gateway's relational store: a pooled {@link DataSource} chosen by {@code DATABASE_URL}, migrated to the
 * schema this code knows at open.
 *
 * <ul>
 *   <li>unset: SQLite at {@code <workDir>/data/gateway.db}, created on first open, in WAL mode;</li>
 *   <li>{@code sqlite:PATH} or {@code jdbc:sqlite:PATH}: SQLite elsewhere; SQLAlchemy's forms read as SQLAlchemy
 *       reads them: {@code sqlite:///gateway.db} is relative to the working directory,
 *       {@code sqlite:////var/lib/gateway.db} absolute;</li>
 *   <li>{@code postgresql://user:pass@host:5432/db} (or {@code postgres://}) and {@code jdbc:postgresql:...}:
 *       PostgreSQL; a SQLAlchemy driver suffix ({@code postgresql+psycopg2://}) is ignored.</li>
 * </ul>
 * One set of migrations serves both ({@link Migrations}): the few differences (identity columns) are Flyway
 * placeholders.
 *
 * <p>{@link #open} blocks (connecting, migrating): call it from a worker or a start-up thread, never an event
 * loop. The instance is thread-safe; {@link #close} releases the pool.
 */
public final class Database implements AutoCloseable {

  /** The database products the gateway supports. */
  public enum Vendor { SQLITE, POSTGRESQL }

  private final HikariDataSource dataSource;
  private final Vendor vendor;
  private final String description;

  private Database(HikariDataSource dataSource, Vendor vendor, String description) {
    this.dataSource = dataSource;
    this.vendor = vendor;
    this.description = description;
  }

  /**
   * Connects and migrates.
   *
   * @param databaseUrl the {@code DATABASE_URL} setting, or empty for the default SQLite file
   * @param workDir the directory the default SQLite file and relative SQLite paths live under
   * @throws StoreException when the store is unreachable, the URL malformed, or the schema newer than the code
   */
  public static Database open(Optional<String> databaseUrl, Path workDir) {
    Target target = Target.parse(databaseUrl.map(String::trim).filter(s -> !s.isEmpty()).orElse(null), workDir);
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(target.jdbcUrl);
    hikari.setPoolName("gateway-store");
    hikari.setConnectionTimeout(5_000);
    hikari.setInitializationFailTimeout(5_000);
    target.properties.forEach(hikari::addDataSourceProperty);
    if (target.vendor == Vendor.SQLITE) {
      // One writer at a time in SQLite: a few connections for concurrent reads, and a busy timeout so that the
      // CLI and the server (two processes) wait for each other instead of failing.
      hikari.setMaximumPoolSize(4);
      hikari.addDataSourceProperty("journal_mode", "WAL");
      hikari.addDataSourceProperty("busy_timeout", "10000");
      hikari.addDataSourceProperty("foreign_keys", "true");
      hikari.addDataSourceProperty("synchronous", "NORMAL");
    } else {
      hikari.setMaximumPoolSize(8);
    }
    HikariDataSource dataSource;
    try {
      dataSource = new HikariDataSource(hikari);
    } catch (RuntimeException e) {
      throw new StoreException("cannot connect to the store " + target.description + " (DATABASE_URL): "
          + rootMessage(e), e);
    }
    try {
      migrate(dataSource, target.vendor);
    } catch (RuntimeException e) {
      dataSource.close();
      if (e instanceof StoreException) {
        throw e;
      }
      throw new StoreException("cannot migrate the store " + target.description + ": " + rootMessage(e), e);
    }
    return new Database(dataSource, target.vendor, target.description);
  }

  /**
   * Brings the store to this gateway's schema: with Flyway ({@link FlywayMigration}) when it needs migrating,
   * without loading Flyway when its history shows it current already ({@link Migrations}), which is every start
   * but the first after an upgrade.
   */
  private static void migrate(DataSource dataSource, Vendor vendor) {
    Optional<List<Migrations.Applied>> history;
    try (Connection c = dataSource.getConnection()) {
      history = Migrations.read(c);
    } catch (SQLException e) {
      throw new StoreException("cannot read the store's schema version: " + rootMessage(e), e);
    }
    switch (Migrations.state(history)) {
      case CURRENT -> {
      }
      case NEWER -> throw new StoreException("the store's schema (version "
          + Migrations.highest(history.get()).orElse("?") + ") is newer than this gateway knows; upgrade the "
          + "gateway, or point DATABASE_URL at a store of this version");
      case EMPTY, OTHER -> FlywayMigration.migrate(dataSource, vendor);
    }
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public Vendor vendor() {
    return vendor;
  }

  /** Where the store is, without credentials; for logs. */
  public String description() {
    return description;
  }

  @Override
  public void close() {
    dataSource.close();
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null ? root.getClass().getSimpleName() : message;
  }

  /** A parsed {@code DATABASE_URL}. */
  private record Target(Vendor vendor, String jdbcUrl, Map<String, String> properties, String description) {

    static Target parse(String url, Path workDir) {
      if (url == null) {
        return sqlite(workDir.resolve("data/gateway.db"));
      }
      if (url.startsWith("jdbc:sqlite:")) {
        String path = url.substring("jdbc:sqlite:".length());
        return path.startsWith(":memory:") || path.startsWith("file:") ? new Target(Vendor.SQLITE, url, Map.of(),
            "SQLite " + path) : sqlite(workDir.resolve(path));
      }
      url = withoutDriver(url);
      if (url.startsWith("sqlite:")) {
        return sqlite(workDir.resolve(sqlitePath(url.substring("sqlite:".length()))));
      }
      if (url.startsWith("jdbc:postgresql:")) {
        String shown = url.replaceAll("(?i)(password=)[^&]*", "$1****");
        return new Target(Vendor.POSTGRESQL, url, Map.of(), "PostgreSQL " + shown);
      }
      if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
        return postgres(url);
      }
      throw new StoreException("DATABASE_URL must be unset (SQLite in ./data/gateway.db), sqlite:PATH, "
          + "jdbc:sqlite:PATH, postgresql://user:pass@host:5432/db or jdbc:postgresql://host:5432/db");
    }

    /**
     * The file of a {@code sqlite:} URL's remainder. SQLAlchemy (which one of the proxies this gateway replaces
     * used) takes {@code //} as an empty authority, so {@code ///x.db} is the relative {@code x.db} and
     * {@code ////x.db} the absolute {@code /x.db}; without {@code //} the rest is the path as written.
     */
    static String sqlitePath(String rest) {
      if (rest.startsWith("//")) {
        String path = rest.substring(2);
        if (!path.startsWith("/")) {
          throw new StoreException("DATABASE_URL: sqlite://" + path.split("/", 2)[0] + "... names a host; "
              + "write sqlite:///relative.db or sqlite:////absolute/path.db");
        }
        path = path.substring(1);
        if (path.isEmpty()) {
          throw new StoreException("DATABASE_URL: sqlite:/// needs a file name, e.g. sqlite:///gateway.db");
        }
        return path;
      }
      return rest;
    }

    /** {@code postgresql+psycopg2://...} to {@code postgresql://...}: the driver part is Python's business. */
    private static String withoutDriver(String url) {
      int colon = url.indexOf(':');
      int plus = url.indexOf('+');
      if (plus > 0 && colon > plus) {
        String dialect = url.substring(0, plus);
        if (dialect.equals("sqlite") || dialect.equals("postgresql") || dialect.equals("postgres")) {
          return dialect + url.substring(colon);
        }
      }
      return url;
    }

    private static Target sqlite(Path file) {
      Path absolute = file.toAbsolutePath().normalize();
      try {
        if (absolute.getParent() != null) {
          Files.createDirectories(absolute.getParent());
        }
      } catch (java.io.IOException e) {
        throw new StoreException("cannot create the directory of the SQLite store " + absolute + ": "
            + e.getMessage(), e);
      }
      return new Target(Vendor.SQLITE, "jdbc:sqlite:" + absolute, Map.of(), "SQLite " + absolute);
    }

    private static Target postgres(String url) {
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        throw new StoreException("DATABASE_URL is not a valid postgresql:// URL");
      }
      if (uri.getHost() == null) {
        throw new StoreException("DATABASE_URL has no host: expected postgresql://user:pass@host:5432/db");
      }
      Map<String, String> properties = new java.util.HashMap<>();
      String userInfo = uri.getRawUserInfo();
      if (userInfo != null) {
        int colon = userInfo.indexOf(':');
        properties.put("user", decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
        if (colon >= 0) {
          properties.put("password", decode(userInfo.substring(colon + 1)));
        }
      }
      int port = uri.getPort() < 0 ? 5432 : uri.getPort();
      String database = uri.getRawPath() == null || uri.getRawPath().length() <= 1 ? "" : uri.getRawPath();
      String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
      String jdbc = "jdbc:postgresql://" + uri.getHost() + ":" + port + database + query;
      return new Target(Vendor.POSTGRESQL, jdbc, Map.copyOf(properties),
          "PostgreSQL " + uri.getHost() + ":" + port + database);
    }

    private static String decode(String text) {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
  }
}
