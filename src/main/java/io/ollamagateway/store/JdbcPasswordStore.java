package io.ollamagateway.store;

import java.util.Optional;
import javax.sql.DataSource;

/**
 * Users' password hashes (column {@code users.password_hash}), kept apart from {@link UserStore} so that a
 * hash never travels with a {@link User}. Only hashes pass through here, never passwords. Blocks on JDBC: call
 * from a worker thread. Thread-safe.
 */
public final class JdbcPasswordStore {

  private final Jdbc jdbc;

  public JdbcPasswordStore(DataSource dataSource) {
    this.jdbc = new Jdbc(dataSource);
  }

  /** The user's stored hash; empty when the user has no password (or does not exist). */
  public Optional<String> hash(long userId) {
    return jdbc.query("SELECT password_hash FROM users WHERE id = ?", row -> row.getString("password_hash"), userId)
        .stream().filter(h -> h != null).findFirst();
  }

  /** Sets (or, with {@code null}, clears) the user's hash; false when there is no such user. */
  public boolean set(long userId, String hash) {
    return jdbc.update("UPDATE users SET password_hash = ? WHERE id = ?", Jdbc.orNull(hash), userId) > 0;
  }
}
