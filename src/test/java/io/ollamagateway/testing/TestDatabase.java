package io.ollamagateway.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A fresh, empty store for one test class: SQLite in a temporary directory, or a PostgreSQL schema of its own
 * on 127.0.0.1:5432 (database {@code test}, user {@code postgres}), dropped at {@link #close}. When PostgreSQL
 * cannot be reached the PostgreSQL tests are skipped with a message, or fail loudly when {@code CI} is set.
 */
public final class TestDatabase implements AutoCloseable {

  public static final String POSTGRES_SERVER = "jdbc:postgresql://127.0.0.1:5432/test";
  private static final String POSTGRES_USER = "postgres";

  private final String url;
  private final Path sqliteDir;
  private final String schema;

  private TestDatabase(String url, Path sqliteDir, String schema) {
    this.url = url;
    this.sqliteDir = sqliteDir;
    this.schema = schema;
  }

  public static TestDatabase sqlite() {
    try {
      Path dir = Files.createTempDirectory("gateway-sqlite-");
      return new TestDatabase("jdbc:sqlite:" + dir.resolve("gateway.db"), dir, null);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static TestDatabase postgres() {
    String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection c = DriverManager.getConnection(POSTGRES_SERVER, POSTGRES_USER, "");
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      String message = "PostgreSQL is missing: cannot reach " + POSTGRES_SERVER + " as user postgres ("
          + e.getMessage() + "); the PostgreSQL half of the parity tests needs it";
      if (System.getenv("CI") != null) {
        fail(message + ". CI is set, so this is a failure, not a skip.");
      }
      Assumptions.abort(message);
    }
    return new TestDatabase(POSTGRES_SERVER + "?user=" + POSTGRES_USER + "&currentSchema=" + schema, null, schema);
  }

  /** The {@code DATABASE_URL} of this store. */
  public String url() {
    return url;
  }

  public boolean isPostgres() {
    return schema != null;
  }

  /**
   * Everything the store holds, as text: the raw bytes of the SQLite files (database, WAL, journal), or every
   * row of every table of the PostgreSQL schema. For asserting that a secret is nowhere in it.
   */
  public String dump() {
    if (schema == null) {
      StringBuilder all = new StringBuilder();
      try (Stream<Path> files = Files.list(sqliteDir)) {
        for (Path file : files.toList()) {
          all.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return all.toString();
    }
    StringBuilder all = new StringBuilder();
    try (Connection c = DriverManager.getConnection(POSTGRES_SERVER, POSTGRES_USER, "");
        Statement s = c.createStatement()) {
      for (String table : List.of("users", "api_keys", "audit_log", "usage_hourly", "schema_history")) {
        try (ResultSet rows = s.executeQuery("SELECT * FROM " + schema + "." + table)) {
          int columns = rows.getMetaData().getColumnCount();
          while (rows.next()) {
            for (int i = 1; i <= columns; i++) {
              all.append(rows.getString(i)).append('|');
            }
            all.append('\n');
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return all.toString();
  }

  /** Runs SQL directly on the store, bypassing the gateway; for simulating other processes and versions. */
  public void execute(String sql) {
    String jdbc = schema == null ? url : POSTGRES_SERVER;
    try (Connection c = schema == null ? DriverManager.getConnection(jdbc)
        : DriverManager.getConnection(jdbc, POSTGRES_USER, "");
        Statement s = c.createStatement()) {
      if (schema != null) {
        s.execute("SET search_path TO " + schema);
      }
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (schema != null) {
      try (Connection c = DriverManager.getConnection(POSTGRES_SERVER, POSTGRES_USER, "");
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    } else {
      try (Stream<Path> files = Files.list(sqliteDir)) {
        for (Path file : files.toList()) {
          Files.deleteIfExists(file);
        }
        Files.deleteIfExists(sqliteDir);
      } catch (IOException e) {
        // a temp dir left behind is harmless
      }
    }
  }
}
