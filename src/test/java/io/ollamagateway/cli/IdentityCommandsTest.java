package io.ollamagateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.Cli;
import io.ollamagateway.testing.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code users} and {@code keys} commands as a shell script sees them: exit statuses, {@code --json}
 * output with the admin API's field names, plain messages and never a stack trace for user errors.
 */
class IdentityCommandsTest {

  @TempDir
  Path workDir;

  private TestDatabase database;
  private Map<String, String> env;

  @BeforeEach
  void open() {
    database = TestDatabase.sqlite();
    env = Map.of("DATABASE_URL", database.url());
  }

  @AfterEach
  void close() {
    database.close();
  }

  private Cli.Result run(String... args) {
    return Cli.run(env, workDir, args);
  }

  @Test
  void aFreshInstallGetsItsFirstAdminKey() {
    Cli.Result made = run("keys", "create", "--admin", "--name", "bootstrap", "--json");
    assertThat(made.status()).as(made.err()).isZero();
    JsonObject key = new JsonObject(made.out());
    assertThat(key.getString("key")).startsWith("sk-");
    assertThat(key.getLong("id")).isEqualTo(1L);
    assertThat(key.getString("name")).isEqualTo("bootstrap");
    JsonArray users = new JsonArray(run("users", "list", "--json").out());
    assertThat(users).hasSize(1);
    assertThat(users.getJsonObject(0).getString("name")).isEqualTo("admin");
    assertThat(users.getJsonObject(0).getString("role")).isEqualTo("admin");

    Cli.Result second = run("keys", "create", "--admin", "--name", "another");
    assertThat(second.status()).isZero();
    assertThat(second.out()).contains("shown only this once").containsPattern("sk-[0-9A-Za-z]{43}");
    assertThat(new JsonArray(run("users", "list", "--json").out())).hasSize(1);
  }

  @Test
  void theDefaultStoreIsDataGatewayDbUnderTheWorkingDirectory() {
    Cli.Result made = Cli.run(Map.of(), workDir, "users", "create", "solo", "--json");
    assertThat(made.status()).as(made.err()).isZero();
    assertThat(Files.exists(workDir.resolve("data/gateway.db"))).isTrue();
  }

  @Test
  void usersAreManaged() {
    JsonObject bob = new JsonObject(run("users", "create", "bob", "--email", "bob@example.com", "--json").out());
    assertThat(bob.getString("role")).isEqualTo("user");
    Cli.Result updated = run("users", "update", "bob", "--role", "admin", "--active", "false", "--json");
    assertThat(updated.status()).as(updated.err()).isZero();
    assertThat(new JsonObject(updated.out()).getString("role")).isEqualTo("admin");
    assertThat(new JsonObject(updated.out()).getBoolean("active")).isFalse();
    assertThat(run("users", "list").out()).contains("bob").contains("admin");
    Cli.Result deleted = run("users", "delete", String.valueOf(bob.getLong("id")));
    assertThat(deleted.status()).isZero();
    assertThat(deleted.out()).contains("deleted user");
    assertThat(new JsonArray(run("users", "list", "--json").out())).isEmpty();
  }

  @Test
  void keysAreListedWithoutSecretsAndRevoked() {
    run("users", "create", "carol");
    Cli.Result made = run("keys", "create", "--user", "carol", "--name", "laptop", "--models", "llama3*,qwen*",
        "--expires", "2099-12-31", "--requests-per-minute", "30", "--json");
    assertThat(made.status()).as(made.err()).isZero();
    JsonObject key = new JsonObject(made.out());
    String secret = key.getString("key");
    assertThat(key.getJsonArray("models")).containsExactly("llama3*", "qwen*");
    assertThat(key.getString("expires_at")).isEqualTo("2099-12-31T00:00:00Z");

    Cli.Result listed = run("keys", "list", "--json");
    assertThat(listed.out()).doesNotContain(secret).doesNotContain("\"key\"");
    assertThat(new JsonArray(listed.out()).getJsonObject(0).getString("prefix")).isEqualTo(key.getString("prefix"));
    assertThat(run("keys", "list").out()).contains("laptop").contains(key.getString("prefix"));

    Cli.Result revoked = run("keys", "revoke", String.valueOf(key.getLong("id")), "--json");
    assertThat(revoked.status()).isZero();
    assertThat(new JsonObject(revoked.out()).getString("status")).isEqualTo("revoked");
    assertThat(database.dump()).doesNotContain(secret);
  }

  @Test
  void quotasAndKeyLimitsAreSetFromTheCommandLine() {
    assertThat(run("users", "create", "erin").status()).isZero();
    Cli.Result shown = run("users", "quota", "erin");
    assertThat(shown.status()).as(shown.err()).isZero();
    assertThat(shown.out()).contains("daily_tokens=unlimited");

    Cli.Result set = run("users", "quota", "erin", "--daily-tokens", "5000", "--monthly-requests", "100", "--json");
    assertThat(set.status()).as(set.err()).isZero();
    JsonObject quota = new JsonObject(set.out());
    assertThat(quota.getLong("daily_tokens")).isEqualTo(5000L);
    assertThat(quota.getLong("monthly_requests")).isEqualTo(100L);
    assertThat(quota.getValue("monthly_tokens")).isNull();

    JsonObject cleared = new JsonObject(run("users", "quota", "erin", "--daily-tokens", "none", "--json").out());
    assertThat(cleared.getValue("daily_tokens")).isNull();
    assertThat(cleared.getLong("monthly_requests")).as("what was not named stays").isEqualTo(100L);
    assertUserError(run("users", "quota", "erin", "--daily-tokens", "lots"), "--daily-tokens");
    assertUserError(run("users", "quota", "erin", "--daily-tokens", "-3"), "daily_tokens");

    Cli.Result key = run("keys", "create", "--user", "erin", "--name", "ci", "--requests-per-hour", "500",
        "--tokens-per-minute", "20000", "--max-concurrent", "4", "--json");
    assertThat(key.status()).as(key.err()).isZero();
    JsonObject created = new JsonObject(key.out());
    assertThat(created.getLong("requests_per_hour")).isEqualTo(500L);
    assertThat(created.getLong("tokens_per_minute")).isEqualTo(20000L);
    assertThat(created.getLong("max_concurrent")).isEqualTo(4L);
    assertUserError(run("keys", "create", "--user", "erin", "--name", "bad", "--max-concurrent", "0"),
        "max_concurrent");
  }

  @Test
  void userErrorsExit1WithAMessageAndNoStackTrace() {
    assertUserError(run("keys", "revoke", "42"), "no API key with id 42");
    assertUserError(run("users", "delete", "nobody"), "no user named 'nobody'");
    assertUserError(run("users", "update", "77", "--role", "user"), "no user with id 77");
    assertUserError(run("users", "create", "x", "--role", "root"), "role: must be 'admin' or 'user'");
    assertUserError(run("keys", "create", "--name", "k"), "--user");
    assertUserError(run("keys", "create", "--name"), "--name");
    assertUserError(run("keys", "create", "--user", "1", "--name", "k", "--bogus"), "--bogus");
    assertUserError(run("keys", "revoke", "not-a-number"), "not-a-number");
    run("users", "create", "dup");
    assertUserError(run("users", "create", "dup"), "a user named 'dup' already exists");
    run("users", "create", "admin");
    assertUserError(run("keys", "create", "--admin", "--name", "k"), "is not an admin");
  }

  @Test
  void anUnreachableStoreExits2() {
    Cli.Result result = Cli.run(Map.of("DATABASE_URL", "postgresql://postgres:pw@127.0.0.1:1/none"), workDir,
        "users", "list");
    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err()).contains("cannot connect to the store").doesNotContain("\tat ").doesNotContain(":pw@");
  }

  @Test
  void serveWithAnUnreachableStoreExits2() {
    Cli.Result result = Cli.run(Map.of("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none",
        "PROXY_AUTH_TOKEN", "t"), workDir, "serve", "--port", "0");
    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err()).contains("cannot connect to the store PostgreSQL 127.0.0.1:1/none");
  }

  @Test
  void serveRefusesAStoreNewerThanTheCode() {
    assertThat(run("users", "create", "someone").status()).isZero();
    database.execute("INSERT INTO schema_history (installed_rank, version, description, type, script, checksum, "
        + "installed_by, installed_on, execution_time, success) VALUES (99, '99', 'future', 'SQL', 'V99__f.sql', 0, "
        + "'test', CURRENT_TIMESTAMP, 1, 1)");
    Cli.Result result = Cli.run(Map.of("DATABASE_URL", database.url(), "PROXY_AUTH_TOKEN", "t"), workDir, "serve",
        "--port", "0");
    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err()).contains("newer than this gateway").doesNotContain("\tat ");
    assertThat(run("users", "list").status()).isEqualTo(2);
  }

  private static void assertUserError(Cli.Result result, String message) {
    assertThat(result.status()).as(result.err()).isEqualTo(1);
    assertThat(result.err()).contains(message).doesNotContain("\tat ").doesNotContain("Exception");
  }
}
