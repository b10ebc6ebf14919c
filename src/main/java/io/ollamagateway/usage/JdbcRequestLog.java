package io.ollamagateway.usage;

import io.ollamagateway.store.Jdbc;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The request log on JDBC, the same SQL for SQLite and PostgreSQL. Thread-safe; blocks: call on workers. */
public final class JdbcRequestLog implements RequestLogWriter {

  private static final String COLUMNS = "at, user_id, key_id, client, method, path, model, upstream, "
      + "upstream_key_index, status, duration_ms, first_byte_ms, prompt_tokens, completion_tokens, estimated, request_id, "
      + "target_model, cached_tokens";

  private final Jdbc jdbc;

  public JdbcRequestLog(DataSource dataSource) {
    this.jdbc = new Jdbc(dataSource);
  }

  @Override
  public void append(List<RequestRecord> batch) {
    jdbc.batch("INSERT INTO request_log (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        batch.stream().map(r -> new Object[] {r.at(), Jdbc.orNull(r.userId()), Jdbc.orNull(r.keyId()), r.client(),
            r.method(), clip(r.path(), 512), Jdbc.orNull(clip(r.model(), 256)), Jdbc.orNull(r.upstream()),
            Jdbc.orNull(r.upstreamKeyIndex() == null || r.upstreamKeyIndex() < 0 ? null : r.upstreamKeyIndex()),
            r.status(), r.durationMillis(), r.firstByteMillis(), r.promptTokens(), r.completionTokens(),
            r.estimated(), Jdbc.orNull(r.requestId()), Jdbc.orNull(clip(r.targetModel(), 256)),
            r.cachedTokens()}).toList());
  }

  @Override
  public int deleteBefore(Instant cutoff) {
    return jdbc.update("DELETE FROM request_log WHERE at < ?", cutoff);
  }

  /** {@link #list(int, Long, String, Long, String)} of any request id. */
  public List<RequestRecord> list(int limit, Long beforeId, String client, Long userId) {
    return list(limit, beforeId, client, userId, null);
  }

  /**
   * The newest records first, at most {@code limit}, older than {@code beforeId} when not null, of one caller
   * ({@code key:12}, {@code shared-token}), one user id or one request id when those are not null.
   */
  public List<RequestRecord> list(int limit, Long beforeId, String client, Long userId, String requestId) {
    StringBuilder sql = new StringBuilder("SELECT id, " + COLUMNS + " FROM request_log WHERE 1 = 1");
    List<Object> params = new ArrayList<>();
    if (beforeId != null) {
      sql.append(" AND id < ?");
      params.add(beforeId);
    }
    if (client != null) {
      sql.append(" AND client = ?");
      params.add(client);
    }
    if (userId != null) {
      sql.append(" AND user_id = ?");
      params.add(userId);
    }
    if (requestId != null) {
      sql.append(" AND request_id = ?");
      params.add(requestId);
    }
    sql.append(" ORDER BY id DESC LIMIT ?");
    params.add(limit);
    return jdbc.query(sql.toString(), JdbcRequestLog::record, params.toArray());
  }

  private static RequestRecord record(ResultSet row) throws SQLException {
    long index = row.getLong("upstream_key_index");
    Integer keyIndex = row.wasNull() ? null : (int) index;
    return new RequestRecord(row.getLong("id"), Jdbc.instant(row, "at"), Jdbc.longOrNull(row, "user_id"),
        Jdbc.longOrNull(row, "key_id"), row.getString("client"), row.getString("method"), row.getString("path"),
        row.getString("model"), row.getString("upstream"), keyIndex, row.getInt("status"),
        row.getLong("duration_ms"), row.getLong("first_byte_ms"), row.getLong("prompt_tokens"),
        row.getLong("completion_tokens"), row.getBoolean("estimated"), row.getString("request_id"),
        row.getString("target_model"), row.getLong("cached_tokens"));
  }

  private static String clip(String text, int max) {
    return text == null || text.length() <= max ? text : text.substring(0, max);
  }
}
