package io.ollamagateway.admin;

import io.ollamagateway.auth.PasswordHasher;
import io.ollamagateway.store.JdbcPasswordStore;
import io.ollamagateway.store.Stores;
import io.ollamagateway.store.User;
import java.util.Optional;

/**
 * Users' passwords, for signing in to the web console: setting one (admin API and CLI alike, validated and
 * audited without the password) and checking one. Only Argon2id hashes are stored.
 *
 * <p>Blocks on the store and on hashing (tens of milliseconds by design): call from a worker thread.
 * Thread-safe.
 */
public final class Passwords {

  /** Shorter passwords are refused. */
  public static final int MIN_LENGTH = 12;
  private static final int MAX_LENGTH = 1024;

  private final Stores stores;
  private final JdbcPasswordStore hashes;
  private final PasswordHasher hasher;

  public Passwords(Stores stores) {
    this.stores = stores;
    this.hashes = new JdbcPasswordStore(stores.database().dataSource());
    this.hasher = new PasswordHasher();
  }

  /** Sets user {@code userId}'s password. */
  public void set(String actor, long userId, String password) {
    set(actor, userId, password, null);
  }

  /** Sets user {@code userId}'s password; the audit entry names request {@code requestId} when not null. */
  public void set(String actor, long userId, String password, String requestId) {
    if (password == null || password.length() < MIN_LENGTH) {
      throw new InvalidInput("password", "required, at least " + MIN_LENGTH + " characters");
    }
    if (password.length() > MAX_LENGTH) {
      throw new InvalidInput("password", "at most " + MAX_LENGTH + " characters");
    }
    User user = stores.users().find(userId).orElseThrow(() -> new NotFound("no user with id " + userId));
    if (!hashes.set(userId, hasher.hash(password))) {
      throw new NotFound("no user with id " + userId);
    }
    stores.audit().forRequest(requestId).record(actor, "user.password", "user:" + userId, "password set for " + user.name());
  }

  /**
   * The user named {@code name} when {@code password} is theirs; empty when there is no such user, the user
   * has no password, or it does not match. All three cost one hash, so timing does not tell them apart.
   */
  public Optional<User> check(String name, String password) {
    Optional<User> user = name == null ? Optional.empty() : stores.users().findByName(name);
    String stored = user.flatMap(u -> hashes.hash(u.id())).orElse(null);
    boolean matches = hasher.verify(password == null ? "" : password, stored);
    return matches ? user : Optional.empty();
  }
}
