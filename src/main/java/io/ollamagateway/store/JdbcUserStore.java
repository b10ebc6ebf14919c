package io.ollamagateway.store;

import io.ollamagateway.auth.Role;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;

/** {@link UserStore} on JDBC, the same SQL for SQLite and PostgreSQL. Thread-safe; blocks. */
public final class JdbcUserStore implements UserStore {

  static final String COLUMNS = "u.id, u.name, u.email, u.role, u.active, u.created_at";

  private final Jdbc jdbc;
  private final Clock clock;

  public JdbcUserStore(DataSource dataSource, Clock clock) {
    this.jdbc = new Jdbc(dataSource);
    this.clock = clock;
  }

  @Override
  public List<User> list() {
    return jdbc.query("SELECT " + COLUMNS + " FROM users u ORDER BY u.id", JdbcUserStore::map);
  }

  @Override
  public Optional<User> find(long id) {
    return jdbc.query("SELECT " + COLUMNS + " FROM users u WHERE u.id = ?", JdbcUserStore::map, id).stream()
        .findFirst();
  }

  @Override
  public Optional<User> findByName(String name) {
    return jdbc.query("SELECT " + COLUMNS + " FROM users u WHERE u.name = ?", JdbcUserStore::map, name).stream()
        .findFirst();
  }

  @Override
  public User create(String name, String email, Role role) {
    Instant now = Instant.ofEpochMilli(clock.millis());
    try {
      return jdbc.query("INSERT INTO users (name, email, role, active, created_at) VALUES (?, ?, ?, ?, ?) "
              + "RETURNING id, name, email, role, active, created_at", JdbcUserStore::map,
          name, Jdbc.orNull(email), role.name().toLowerCase(Locale.ROOT), true, now).get(0);
    } catch (ConflictException e) {
      throw new ConflictException("a user named '" + name + "' already exists");
    }
  }

  @Override
  public Optional<User> update(User user) {
    int changed = jdbc.update("UPDATE users SET email = ?, role = ?, active = ? WHERE id = ?",
        Jdbc.orNull(user.email()), user.role().name().toLowerCase(Locale.ROOT), user.active(), user.id());
    return changed == 0 ? Optional.empty() : find(user.id());
  }

  @Override
  public boolean delete(long id) {
    return jdbc.inTransaction(c -> {
      Jdbc.update(c, "DELETE FROM api_keys WHERE user_id = ?", id);
      return Jdbc.update(c, "DELETE FROM users WHERE id = ?", id) > 0;
    });
  }

  static User map(ResultSet row) throws SQLException {
    return new User(row.getLong("id"), row.getString("name"), row.getString("email"),
        Role.valueOf(row.getString("role").toUpperCase(Locale.ROOT)), row.getBoolean("active"),
        Jdbc.instant(row, "created_at"));
  }
}
