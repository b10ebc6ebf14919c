package io.ollamagateway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The little JDBC plumbing the stores share: run a statement with parameters, map rows, translate
 * uniqueness violations into {@link ConflictException} and anything else into {@link StoreException}.
 * Stateless apart from the data source; blocks. Public for the stores that live beside their capability
 * (usage keeps its own tables through it).
 */
public final class Jdbc {

  public interface RowMapper<T> {
    T map(ResultSet row) throws SQLException;
  }

  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private final DataSource dataSource;

  public Jdbc(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) {
    return inConnection(c -> query(c, sql, mapper, params));
  }

  public static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... params) throws SQLException {
    try (PreparedStatement statement = c.prepareStatement(sql)) {
      bind(statement, params);
      try (ResultSet rows = statement.executeQuery()) {
        List<T> result = new ArrayList<>();
        while (rows.next()) {
          result.add(mapper.map(rows));
        }
        return result;
      }
    }
  }

  public int update(String sql, Object... params) {
    return inConnection(c -> update(c, sql, params));
  }

  public static int update(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement statement = c.prepareStatement(sql)) {
      bind(statement, params);
      return statement.executeUpdate();
    }
  }

  /** Runs {@code sql} once per row of parameters, as one JDBC batch in one transaction; nothing for no rows. */
  public void batch(String sql, List<Object[]> rows) {
    if (rows.isEmpty()) {
      return;
    }
    inTransaction(c -> {
      try (PreparedStatement statement = c.prepareStatement(sql)) {
        for (Object[] row : rows) {
          bind(statement, row);
          statement.addBatch();
        }
        statement.executeBatch();
      }
      return null;
    });
  }

  /** Runs {@code work} in one transaction on one connection. */
  public <T> T inTransaction(Work<T> work) {
    return inConnection(c -> {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(auto);
      }
    });
  }

  public <T> T inConnection(Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      if (isUniqueViolation(e)) {
        throw new ConflictException("already exists");
      }
      throw new StoreException("store error: " + Database.rootMessage(e), e);
    }
  }

  private static boolean isUniqueViolation(SQLException e) {
    String state = e.getSQLState();
    String message = e.getMessage() == null ? "" : e.getMessage();
    return "23505".equals(state) || message.contains("UNIQUE constraint failed");
  }

  private static void bind(PreparedStatement statement, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      Object p = params[i];
      if (p instanceof Instant instant) {
        statement.setLong(i + 1, instant.toEpochMilli());
      } else if (p instanceof Boolean b) {
        statement.setBoolean(i + 1, b);
      } else if (p instanceof Null n) {
        statement.setNull(i + 1, n.sqlType);
      } else {
        statement.setObject(i + 1, p);
      }
    }
  }

  /** A typed SQL NULL parameter: PostgreSQL wants to know the type of a null. */
  public enum Null {
    BIGINT(Types.BIGINT), INTEGER(Types.INTEGER), TEXT(Types.VARCHAR);

    final int sqlType;

    Null(int sqlType) {
      this.sqlType = sqlType;
    }
  }

  public static Object orNull(Instant value) {
    return value == null ? Null.BIGINT : value;
  }

  public static Object orNull(Integer value) {
    return value == null ? Null.INTEGER : value;
  }

  public static Object orNull(Long value) {
    return value == null ? Null.BIGINT : value;
  }

  public static Object orNull(String value) {
    return value == null ? Null.TEXT : value;
  }

  public static Instant instant(ResultSet row, String column) throws SQLException {
    long value = row.getLong(column);
    return row.wasNull() ? null : Instant.ofEpochMilli(value);
  }

  public static Integer integer(ResultSet row, String column) throws SQLException {
    int value = row.getInt(column);
    return row.wasNull() ? null : value;
  }

  public static Long longOrNull(ResultSet row, String column) throws SQLException {
    long value = row.getLong(column);
    return row.wasNull() ? null : value;
  }
}
