package io.ollamagateway.store;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** {@link AuditLog} on JDBC. Thread-safe; blocks. */
public final class JdbcAuditLog implements AuditLog {

  private final Jdbc jdbc;
  private final Clock clock;
  private final String requestId;

  public JdbcAuditLog(DataSource dataSource, Clock clock) {
    this(new Jdbc(dataSource), clock, null);
  }

  private JdbcAuditLog(Jdbc jdbc, Clock clock, String requestId) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.requestId = requestId;
  }

  @Override
  public void record(String actor, String action, String target, String detail) {
    jdbc.update("INSERT INTO audit_log (at, actor, action, target, detail, request_id) VALUES (?, ?, ?, ?, ?, ?)",
        Instant.ofEpochMilli(clock.millis()), actor, action, Jdbc.orNull(target), Jdbc.orNull(detail),
        Jdbc.orNull(requestId));
  }

  @Override
  public AuditLog forRequest(String requestId) {
    return requestId == null ? this : new JdbcAuditLog(jdbc, clock, requestId);
  }

  @Override
  public List<AuditEntry> list(int limit, Long beforeId) {
    return list(limit, beforeId, null);
  }

  @Override
  public List<AuditEntry> list(int limit, Long beforeId, String requestId) {
    StringBuilder sql = new StringBuilder("SELECT id, at, actor, action, target, detail, request_id FROM audit_log"
        + " WHERE 1 = 1");
    List<Object> params = new ArrayList<>();
    if (beforeId != null) {
      sql.append(" AND id < ?");
      params.add(beforeId);
    }
    if (requestId != null) {
      sql.append(" AND request_id = ?");
      params.add(requestId);
    }
    sql.append(" ORDER BY id DESC LIMIT ").append(Math.max(1, limit));
    return jdbc.query(sql.toString(), row -> new AuditEntry(row.getLong("id"), Jdbc.instant(row, "at"),
        row.getString("actor"), row.getString("action"), row.getString("target"), row.getString("detail"),
        row.getString("request_id")), params.toArray());
  }

  @Override
  public long latestId() {
    return jdbc.query("SELECT MAX(id) AS latest FROM audit_log", row -> row.getLong("latest")).get(0);
  }
}
