package io.ollamagateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Where identities live and where they are administered. Immutable; built by {@link ConfigLoader}.
 *
 * @param databaseUrl {@code DATABASE_URL}: empty for SQLite at {@code <workDir>/data/gateway.db}
 * @param workDir the directory the default SQLite store and relative SQLite paths are under
 * @param adminHost {@code ADMIN_HOST}: the address of the separate admin listener
 * @param adminPort {@code ADMIN_PORT}: when set, the admin API is served only on its own listener there
 *     (0: any free port, for tests); when empty, under {@code /admin/api} on the main port
 * @param keyRefresh {@code KEY_CACHE_REFRESH}: how often the API key cache is reloaded from the store, which
 *     is a safety net behind {@code changePoll}
 * @param changePoll {@code IDENTITY_POLL_INTERVAL}: how often the store is asked whether users or keys changed
 *     (through another instance or the CLI); a change reloads the key cache
 * @param consoleIdle {@code UI_SESSION_IDLE_TIMEOUT}: a web console session unused this long ends
 * @param rotationGraceCap {@code KEY_ROTATION_MAX_GRACE}: the longest grace a user may give an old secret when
 *     rotating a key themselves, unless an admin set another for that user
 */
public record IdentityConfig(Optional<String> databaseUrl, Path workDir, String adminHost, OptionalInt adminPort,
    Duration keyRefresh, Duration changePoll, Duration consoleIdle, Duration rotationGraceCap) {

  /** SQLite in {@code ./data/gateway.db}, the admin API on the main port. */
  public static IdentityConfig defaults() {
    return new IdentityConfig(Optional.empty(), Path.of("").toAbsolutePath(), "127.0.0.1", OptionalInt.empty(),
        Duration.ofSeconds(30), Duration.ofMillis(500), Duration.ofMinutes(30), Duration.ofHours(24));
  }

  /** The same with another {@code DATABASE_URL}; for tests and tools. */
  public IdentityConfig withDatabaseUrl(String url) {
    return new IdentityConfig(Optional.ofNullable(url), workDir, adminHost, adminPort, keyRefresh, changePoll,
        consoleIdle, rotationGraceCap);
  }

  /** The same with the admin API on its own listener; for tests. */
  public IdentityConfig withAdminListener(String host, int port) {
    return new IdentityConfig(databaseUrl, workDir, host, OptionalInt.of(port), keyRefresh, changePoll,
        consoleIdle, rotationGraceCap);
  }
}
