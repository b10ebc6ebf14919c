package io.ollamagateway.usage;

import io.ollamagateway.store.Jdbc;
import io.ollamagateway.store.UpstreamUsage;
import io.ollamagateway.store.UsageFilter;
import io.ollamagateway.store.UsageSum;
import io.ollamagateway.store.UsageTotal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;

/**
 * Hourly usage on JDBC, the same SQL for SQLite (3.24 or later) and PostgreSQL. As a {@link RollupWriter} it
 * adds a batch of rows in one transaction with an upsert that adds to the counts already stored, so flushes of
 * the same hour (and several gateways on one PostgreSQL store) add up instead of overwriting each other.
 * Absent user and key ids are stored as 0: NULLs would never conflict in the primary key.
 *
 * <p>Thread-safe; blocks: call it on workers.
 */
public final class JdbcUsageStore implements RollupWriter, UsageHistory {

  private static final String COUNTERS = "requests, prompt_tokens, completion_tokens, estimated_tokens, errors, "
      + "duration_ms, first_byte_ms, admitted";
  private static final String UPSERT = "INSERT INTO usage_hourly (hour, user_id, key_id, client, model, upstream, "
      + "upstream_key_index, " + COUNTERS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      + "ON CONFLICT (hour, user_id, key_id, client, model, upstream, upstream_key_index) DO UPDATE SET "
      + "requests = usage_hourly.requests + excluded.requests, "
      + "prompt_tokens = usage_hourly.prompt_tokens + excluded.prompt_tokens, "
      + "completion_tokens = usage_hourly.completion_tokens + excluded.completion_tokens, "
      + "estimated_tokens = usage_hourly.estimated_tokens + excluded.estimated_tokens, "
      + "errors = usage_hourly.errors + excluded.errors, "
      + "duration_ms = usage_hourly.duration_ms + excluded.duration_ms, "
      + "first_byte_ms = usage_hourly.first_byte_ms + excluded.first_byte_ms, "
      + "admitted = usage_hourly.admitted + excluded.admitted";

  private final Jdbc jdbc;

  public JdbcUsageStore(DataSource dataSource) {
    this.jdbc = new Jdbc(dataSource);
  }

  @Override
  public void add(Collection<Rollup> batch) {
    jdbc.batch(UPSERT, batch.stream().map(row -> {
      Rollup.Key key = row.key();
      return new Object[] {key.hour(), key.userId() == null ? 0L : key.userId(),
          key.keyId() == null ? 0L : key.keyId(), key.client() == null ? "" : key.client(),
          key.model() == null ? "" : key.model(), key.upstream() == null ? "" : key.upstream(),
          key.upstreamKeyIndex(), row.requests(), row.promptTokens(), row.completionTokens(), row.estimatedTokens(),
          row.errors(), row.durationMillis(), row.firstByteMillis(), row.admitted()};
    }).toList());
  }

  /**
   * The hourly totals matching {@code filter}, one per hour, user, key, client and model (upstreams summed),
   * oldest first.
   */
  public List<UsageTotal> totals(UsageFilter filter) {
    StringBuilder sql = new StringBuilder("SELECT r.hour, r.user_id, u.name AS user_name, r.key_id, k.prefix, "
        + "r.client, r.model, SUM(r.requests) AS requests, SUM(r.prompt_tokens) AS prompt_tokens, "
        + "SUM(r.completion_tokens) AS completion_tokens, SUM(r.estimated_tokens) AS estimated_tokens, "
        + "SUM(r.errors) AS errors, SUM(r.duration_ms) AS duration_ms, SUM(r.first_byte_ms) AS first_byte_ms "
        + "FROM usage_hourly r LEFT JOIN users u ON u.id = r.user_id LEFT JOIN api_keys k ON k.id = r.key_id "
        + "WHERE 1 = 1");
    List<Object> params = new ArrayList<>();
    where(filter, sql, params);
    sql.append(" GROUP BY r.hour, r.user_id, u.name, r.key_id, k.prefix, r.client, r.model"
        + " ORDER BY r.hour, r.user_id, r.key_id, r.client, r.model");
    return jdbc.query(sql.toString(), JdbcUsageStore::total, params.toArray());
  }

  /**
   * The hourly totals matching {@code filter} per hour, caller's key, model, upstream and upstream key index,
   * oldest first: the rows of {@code GET /stats}, which show which upstream key carried which load. The index
   * is the key's position in its upstream's pool, never the key; -1 when the upstream took no key.
   */
  public List<UpstreamUsage> byUpstream(UsageFilter filter) {
    StringBuilder sql = new StringBuilder("SELECT r.hour, k.prefix, r.client, r.model, r.upstream, "
        + "r.upstream_key_index, SUM(r.requests) AS requests, SUM(r.prompt_tokens) AS prompt_tokens, "
        + "SUM(r.completion_tokens) AS completion_tokens "
        + "FROM usage_hourly r LEFT JOIN users u ON u.id = r.user_id LEFT JOIN api_keys k ON k.id = r.key_id "
        + "WHERE 1 = 1");
    List<Object> params = new ArrayList<>();
    where(filter, sql, params);
    sql.append(" GROUP BY r.hour, r.key_id, k.prefix, r.client, r.model, r.upstream, r.upstream_key_index"
        + " ORDER BY r.hour, r.key_id, r.client, r.model, r.upstream, r.upstream_key_index");
    return jdbc.query(sql.toString(), row -> new UpstreamUsage(Instant.ofEpochMilli(row.getLong("hour")),
        row.getString("prefix") != null ? row.getString("prefix") : row.getString("client"), row.getString("model"),
        row.getString("upstream"), row.getInt("upstream_key_index"), row.getLong("requests"),
        row.getLong("prompt_tokens"), row.getLong("completion_tokens")), params.toArray());
  }

  /** The conditions of {@code filter} on {@code usage_hourly r} joined with {@code users u} and {@code api_keys k}. */
  private static void where(UsageFilter filter, StringBuilder sql, List<Object> params) {
    if (filter.from() != null) {
      sql.append(" AND r.hour >= ?");
      params.add(filter.from().toEpochMilli());
    }
    if (filter.to() != null) {
      sql.append(" AND r.hour < ?");
      params.add(filter.to().toEpochMilli());
    }
    if (filter.user() != null) {
      if (isId(filter.user())) {
        sql.append(" AND r.user_id = ?");
        params.add(Long.parseLong(filter.user()));
      } else {
        sql.append(" AND u.name = ?");
        params.add(filter.user());
      }
    }
    if (filter.key() != null) {
      if (isId(filter.key())) {
        sql.append(" AND r.key_id = ?");
        params.add(Long.parseLong(filter.key()));
      } else {
        sql.append(" AND (k.prefix = ? OR r.client = ?)");
        params.add(filter.key());
        params.add(filter.key());
      }
    }
    if (filter.model() != null) {
      sql.append(" AND r.model = ?");
      params.add(filter.model());
    }
    if (filter.upstream() != null) {
      sql.append(" AND r.upstream = ?");
      params.add(filter.upstream());
    }
  }

  /**
   * Everything used since {@code from} ({@code null}: ever), by one caller ({@code key:12}, {@code shared-token})
   * when {@code client} is not null, summed in the store.
   */
  public UsageSum sum(Instant from, String client) {
    StringBuilder sql = new StringBuilder("SELECT COALESCE(SUM(requests), 0) AS requests, "
        + "COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens, COALESCE(SUM(completion_tokens), 0) AS completion_tokens, "
        + "COALESCE(SUM(estimated_tokens), 0) AS estimated_tokens, COALESCE(SUM(errors), 0) AS errors "
        + "FROM usage_hourly WHERE 1 = 1");
    List<Object> params = new ArrayList<>();
    if (from != null) {
      sql.append(" AND hour >= ?");
      params.add(from.toEpochMilli());
    }
    if (client != null) {
      sql.append(" AND client = ?");
      params.add(client);
    }
    return jdbc.query(sql.toString(), row -> new UsageSum(row.getLong("requests"), row.getLong("prompt_tokens"),
        row.getLong("completion_tokens"), row.getLong("estimated_tokens"), row.getLong("errors")),
        params.toArray()).get(0);
  }

  @Override
  public long tokens(Long userId, Long keyId, Instant from, Instant to) {
    String column = userId != null ? "user_id" : "key_id";
    long id = userId != null ? userId : keyId;
    return jdbc.query("SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS tokens FROM usage_hourly "
        + "WHERE " + column + " = ? AND hour >= ? AND hour < ?", row -> row.getLong("tokens"), id,
        from.truncatedTo(java.time.temporal.ChronoUnit.HOURS).toEpochMilli(), to.toEpochMilli()).get(0);
  }

  @Override
  public long admitted(Long userId, Long keyId, Instant from, Instant to) {
    String column = userId != null ? "user_id" : "key_id";
    long id = userId != null ? userId : keyId;
    return jdbc.query("SELECT COALESCE(SUM(admitted), 0) AS admitted FROM usage_hourly "
        + "WHERE " + column + " = ? AND hour >= ? AND hour < ?", row -> row.getLong("admitted"), id,
        from.truncatedTo(java.time.temporal.ChronoUnit.HOURS).toEpochMilli(), to.toEpochMilli()).get(0);
  }

  private static boolean isId(String text) {
    return !text.isEmpty() && text.length() < 19 && text.chars().allMatch(Character::isDigit);
  }

  private static UsageTotal total(ResultSet row) throws SQLException {
    return new UsageTotal(Instant.ofEpochMilli(row.getLong("hour")), row.getLong("user_id"),
        row.getString("user_name"), row.getLong("key_id"), row.getString("prefix"), row.getString("client"),
        row.getString("model"), row.getLong("requests"), row.getLong("prompt_tokens"),
        row.getLong("completion_tokens"), row.getLong("estimated_tokens"), row.getLong("errors"),
        row.getLong("duration_ms"), row.getLong("first_byte_ms"));
  }
}
