package io.ollamagateway.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** {@link KeyStore} on JDBC, the same SQL for SQLite and PostgreSQL. Thread-safe; blocks. */
public final class JdbcKeyStore implements KeyStore {

  private static final String COLUMNS = "k.id, k.user_id, k.name, k.prefix, k.created_at, k.last_used_at, "
      + "k.expires_at, k.active, k.revoked_at, k.models, k.requests_per_minute, k.requests_per_hour, "
      + "k.tokens_per_minute, k.max_concurrent";
  private static final String GRANT = "SELECT " + COLUMNS + ", k.key_hash, " + JdbcUserStore.COLUMNS
      .replace("u.id", "u.id AS u_id").replace("u.name", "u.name AS u_name")
      .replace("u.active", "u.active AS u_active").replace("u.created_at", "u.created_at AS u_created_at")
      + ", q.daily_tokens, q.monthly_tokens, q.daily_requests, q.monthly_requests"
      + " FROM api_keys k JOIN users u ON u.id = k.user_id LEFT JOIN user_quotas q ON q.user_id = u.id";

  private static final String INSERT = "INSERT INTO api_keys (user_id, name, key_hash, prefix, created_at, "
      + "expires_at, active, models, requests_per_minute, requests_per_hour, tokens_per_minute, max_concurrent) "
      + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING " + COLUMNS.replace("k.", "");

  private final Jdbc jdbc;
  private final Clock clock;

  public JdbcKeyStore(DataSource dataSource, Clock clock) {
    this.jdbc = new Jdbc(dataSource);
    this.clock = clock;
  }

  @Override
  public ApiKey create(long userId, String name, String hash, String prefix, Instant expiresAt,
      List<String> models, KeyLimits keyLimits) {
    return jdbc.query(INSERT, JdbcKeyStore::map, insertParams(userId, new NewKey(name, hash, prefix), expiresAt,
        models, keyLimits)).get(0);
  }

  @Override
  public List<ApiKey> createAll(long userId, List<NewKey> keys, Instant expiresAt, List<String> models,
      KeyLimits keyLimits) {
    return jdbc.inTransaction(c -> {
      List<ApiKey> created = new java.util.ArrayList<>();
      for (NewKey key : keys) {
        created.add(Jdbc.query(c, INSERT, JdbcKeyStore::map, insertParams(userId, key, expiresAt, models, keyLimits))
            .get(0));
      }
      return created;
    });
  }

  private Object[] insertParams(long userId, NewKey key, Instant expiresAt, List<String> models,
      KeyLimits keyLimits) {
    KeyLimits limits = keyLimits == null ? KeyLimits.NONE : keyLimits;
    Instant now = Instant.ofEpochMilli(clock.millis());
    return new Object[] {userId, key.name(), key.hash(), key.prefix(), now, Jdbc.orNull(expiresAt), true,
        Jdbc.orNull(joinModels(models)), Jdbc.orNull(limits.requestsPerMinute()),
        Jdbc.orNull(limits.requestsPerHour()), Jdbc.orNull(limits.tokensPerMinute()),
        Jdbc.orNull(limits.maxConcurrent())};
  }

  @Override
  public List<ApiKey> list(Long userId) {
    return userId == null
        ? jdbc.query("SELECT " + COLUMNS + " FROM api_keys k ORDER BY k.id", JdbcKeyStore::map)
        : jdbc.query("SELECT " + COLUMNS + " FROM api_keys k WHERE k.user_id = ? ORDER BY k.id", JdbcKeyStore::map,
            userId);
  }

  @Override
  public Optional<ApiKey> find(long id) {
    return jdbc.query("SELECT " + COLUMNS + " FROM api_keys k WHERE k.id = ?", JdbcKeyStore::map, id).stream()
        .findFirst();
  }

  @Override
  public Optional<KeyGrant> findByHash(String hash) {
    return jdbc.query(GRANT + " WHERE k.key_hash = ?", JdbcKeyStore::grant, hash).stream().findFirst();
  }

  @Override
  public Map<String, KeyGrant> usable() {
    Map<String, KeyGrant> result = new LinkedHashMap<>();
    jdbc.query(GRANT + " WHERE k.active = ? AND k.revoked_at IS NULL AND u.active = ?",
        row -> result.put(row.getString("key_hash"), grant(row)), true, true);
    return result;
  }

  @Override
  public Optional<ApiKey> update(ApiKey key) {
    int changed = jdbc.update("UPDATE api_keys SET name = ?, expires_at = ?, active = ?, models = ?, "
            + "requests_per_minute = ?, requests_per_hour = ?, tokens_per_minute = ?, max_concurrent = ? "
            + "WHERE id = ?", key.name(), Jdbc.orNull(key.expiresAt()),
        key.active() && key.revokedAt() == null, Jdbc.orNull(joinModels(key.models())),
        Jdbc.orNull(key.limits().requestsPerMinute()), Jdbc.orNull(key.limits().requestsPerHour()),
        Jdbc.orNull(key.limits().tokensPerMinute()), Jdbc.orNull(key.limits().maxConcurrent()), key.id());
    return changed == 0 ? Optional.empty() : find(key.id());
  }

  @Override
  public Optional<ApiKey> revoke(long id, Instant at) {
    jdbc.update("UPDATE api_keys SET active = ?, revoked_at = ? WHERE id = ? AND revoked_at IS NULL", false, at,
        id);
    return find(id);
  }

  @Override
  public void touch(Map<Long, Long> lastUsed) {
    jdbc.batch("UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
        lastUsed.entrySet().stream().map(e -> new Object[] {e.getValue(), e.getKey(), e.getValue()}).toList());
  }

  private static String joinModels(List<String> models) {
    return models == null || models.isEmpty() ? null : String.join(",", models);
  }

  private static ApiKey map(ResultSet row) throws SQLException {
    String models = row.getString("models");
    return new ApiKey(row.getLong("id"), row.getLong("user_id"), row.getString("name"), row.getString("prefix"),
        Jdbc.instant(row, "created_at"), Jdbc.instant(row, "last_used_at"), Jdbc.instant(row, "expires_at"),
        row.getBoolean("active"), Jdbc.instant(row, "revoked_at"),
        models == null || models.isBlank() ? List.of() : Arrays.asList(models.split(",")),
        new KeyLimits(Jdbc.longOrNull(row, "requests_per_minute"), Jdbc.longOrNull(row, "requests_per_hour"),
            Jdbc.longOrNull(row, "tokens_per_minute"), Jdbc.longOrNull(row, "max_concurrent")));
  }

  private static KeyGrant grant(ResultSet row) throws SQLException {
    User user = new User(row.getLong("u_id"), row.getString("u_name"), row.getString("email"),
        io.ollamagateway.store.Role.valueOf(row.getString("role").toUpperCase(java.util.Locale.ROOT)),
        row.getBoolean("u_active"), Jdbc.instant(row, "u_created_at"));
    return new KeyGrant(map(row), user, JdbcUserStore.quota(row));
  }
}
