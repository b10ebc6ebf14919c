package io.ollamagateway.store;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/** {@link AuditLog} on JDBC. Thread-safe; blocks. */
public final class JdbcAuditLog implements AuditLog {

  private final Jdbc jdbc;
  private final Clock clock;

  public JdbcAuditLog(DataSource dataSource, Clock clock) {
    this.jdbc = new Jdbc(dataSource);
    this.clock = clock;
  }

  @Override
  public void record(String actor, String action, String target, String detail) {
    jdbc.update("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        Instant.ofEpochMilli(clock.millis()), actor, action, Jdbc.orNull(target), Jdbc.orNull(detail));
  }

  @Override
  public List<AuditEntry> list(int limit, Long beforeId) {
    String sql = "SELECT id, at, actor, action, target, detail FROM audit_log"
        + (beforeId == null ? "" : " WHERE id < ?") + " ORDER BY id DESC LIMIT " + Math.max(1, limit);
    Object[] params = beforeId == null ? new Object[0] : new Object[] {beforeId};
    return jdbc.query(sql, row -> new AuditEntry(row.getLong("id"), Jdbc.instant(row, "at"),
        row.getString("actor"), row.getString("action"), row.getString("target"), row.getString("detail")), params);
  }

  @Override
  public long latestId() {
    return jdbc.query("SELECT MAX(id) AS latest FROM audit_log", row -> row.getLong("latest")).get(0);
  }
}
