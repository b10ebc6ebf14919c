package io.ollamagateway.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
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
  public Quota quota(long userId) {
    return jdbc.query("SELECT q.daily_tokens, q.monthly_tokens, q.daily_requests, q.monthly_requests "
        + "FROM user_quotas q WHERE q.user_id = ?", JdbcUserStore::quota, userId).stream().findFirst()
        .orElse(Quota.NONE);
  }

  @Override
  public boolean setQuota(long userId, Quota quota) {
    return jdbc.inTransaction(c -> {
      if (Jdbc.query(c, "SELECT id FROM users WHERE id = ?", row -> row.getLong(1), userId).isEmpty()) {
        return false;
      }
      Jdbc.update(c, "DELETE FROM user_quotas WHERE user_id = ?", userId);
      if (!quota.isNone()) {
        Jdbc.update(c, "INSERT INTO user_quotas (user_id, daily_tokens, monthly_tokens, daily_requests, "
                + "monthly_requests) VALUES (?, ?, ?, ?, ?)", userId, Jdbc.orNull(quota.dailyTokens()),
            Jdbc.orNull(quota.monthlyTokens()), Jdbc.orNull(quota.dailyRequests()),
            Jdbc.orNull(quota.monthlyRequests()));
      }
      return true;
    });
  }

  @Override
  public UserCaps caps(long userId) {
    return jdbc.query("SELECT c.max_keys, c.models, c.requests_per_minute, c.requests_per_hour, "
        + "c.tokens_per_minute, c.max_concurrent, c.max_rotation_grace_seconds FROM user_caps c WHERE c.user_id = ?",
        row -> {
          String models = row.getString("models");
          return new UserCaps(Jdbc.integer(row, "max_keys"),
              models == null || models.isBlank() ? List.of() : Arrays.asList(models.split(",")),
              new KeyLimits(Jdbc.longOrNull(row, "requests_per_minute"), Jdbc.longOrNull(row, "requests_per_hour"),
                  Jdbc.longOrNull(row, "tokens_per_minute"), Jdbc.longOrNull(row, "max_concurrent")),
              Jdbc.longOrNull(row, "max_rotation_grace_seconds"));
        }, userId).stream().findFirst().orElse(UserCaps.NONE);
  }

  @Override
  public boolean setCaps(long userId, UserCaps caps) {
    return jdbc.inTransaction(c -> {
      if (Jdbc.query(c, "SELECT id FROM users WHERE id = ?", row -> row.getLong(1), userId).isEmpty()) {
        return false;
      }
      Jdbc.update(c, "DELETE FROM user_caps WHERE user_id = ?", userId);
      if (!caps.isNone()) {
        KeyLimits limits = caps.limits();
        Jdbc.update(c, "INSERT INTO user_caps (user_id, max_keys, models, requests_per_minute, requests_per_hour, "
                + "tokens_per_minute, max_concurrent, max_rotation_grace_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            userId, Jdbc.orNull(caps.maxKeys()),
            Jdbc.orNull(caps.models().isEmpty() ? null : String.join(",", caps.models())),
            Jdbc.orNull(limits.requestsPerMinute()), Jdbc.orNull(limits.requestsPerHour()),
            Jdbc.orNull(limits.tokensPerMinute()), Jdbc.orNull(limits.maxConcurrent()),
            Jdbc.orNull(caps.maxRotationGraceSeconds()));
      }
      return true;
    });
  }

  @Override
  public boolean delete(long id) {
    return jdbc.inTransaction(c -> {
      Jdbc.update(c, "DELETE FROM api_keys WHERE user_id = ?", id);
      Jdbc.update(c, "DELETE FROM user_quotas WHERE user_id = ?", id);
      Jdbc.update(c, "DELETE FROM user_caps WHERE user_id = ?", id);
      return Jdbc.update(c, "DELETE FROM users WHERE id = ?", id) > 0;
    });
  }

  static User map(ResultSet row) throws SQLException {
    return new User(row.getLong("id"), row.getString("name"), row.getString("email"),
        Role.valueOf(row.getString("role").toUpperCase(Locale.ROOT)), row.getBoolean("active"),
        Jdbc.instant(row, "created_at"));
  }

  /** The quota columns of a row ({@code daily_tokens}...), all NULL when the user has none. */
  static Quota quota(ResultSet row) throws SQLException {
    return new Quota(Jdbc.longOrNull(row, "daily_tokens"), Jdbc.longOrNull(row, "monthly_tokens"),
        Jdbc.longOrNull(row, "daily_requests"), Jdbc.longOrNull(row, "monthly_requests"));
  }
}
