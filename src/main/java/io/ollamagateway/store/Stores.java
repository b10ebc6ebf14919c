package io.ollamagateway.store;

import java.time.Clock;

/** The repositories of one {@link Database}, wired by hand. Immutable; thread-safe. */
public record Stores(Database database, UserStore users, KeyStore keys, AuditLog audit) {

  public static Stores of(Database database, Clock clock) {
    return new Stores(database, new JdbcUserStore(database.dataSource(), clock),
        new JdbcKeyStore(database.dataSource(), clock), new JdbcAuditLog(database.dataSource(), clock));
  }

  /** These stores, with an audit log that names the admin request ({@code X-Request-Id}) behind each entry. */
  public Stores forRequest(String requestId) {
    return requestId == null ? this : new Stores(database, users, keys, audit.forRequest(requestId));
  }
}
