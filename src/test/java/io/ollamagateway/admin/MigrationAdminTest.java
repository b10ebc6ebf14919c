package io.ollamagateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.Cli;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.GatewayProcess;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coming over from the other proxies, against a running gateway with its admin API on ADMIN_PORT: client keys
 * imported (the Node proxy's authTokens.json, a text file, stdin, the admin API) authenticate at once and are
 * refused when imported twice; the quota proxy's admin calls, as its README writes them, answer on the admin port
 * with its shapes and act on the gateway's users, keys and quotas.
 */
class MigrationAdminTest {

  private static TestDatabase database;
  private static IdentityFixture fixture;
  private static Http admin;

  @BeforeAll
  static void start() throws Exception {
    database = TestDatabase.sqlite();
    fixture = new IdentityFixture(database, Map.of("ADMIN_PORT", "0", "ADMIN_HOST", "127.0.0.1"));
    admin = new Http(fixture.gateway.adminPort());
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
    database.close();
  }

  private static Cli.Result cli(String... args) {
    return Cli.run(Map.of("DATABASE_URL", database.url()), fixture.workDir, args);
  }

  private static String chat() {
    return new JsonObject().put("model", "llama3.2").put("stream", false)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))).encode();
  }

  private static int call(String key) {
    return fixture.http.post("/v1/chat/completions", chat(), Http.bearer(key)).status();
  }

  private static int keyCount() {
    return admin.get("/admin/api/keys", Http.bearer(fixture.adminKey)).array().size();
  }

  @Test
  void theNodeProxysAuthTokensJsonIsImportedAndItsKeysWorkAtOnce() throws Exception {
    // the Node proxy's generateAPIKey writes JSON.stringify of an array of `OLLAMA-${randomUUID()}`
    String first = "OLLAMA-" + UUID.randomUUID();
    String second = "OLLAMA-" + UUID.randomUUID();
    Path file = Files.writeString(fixture.workDir.resolve("authTokens.json"),
        "[\"" + first + "\",\"" + second + "\"]");
    assertThat(call(first)).isEqualTo(401);

    Cli.Result imported = cli("keys", "import", file.toString(), "--user", "node-clients", "--create-user",
        "--name", "node-proxy", "--requests-per-hour", "500");
    assertThat(imported.status()).as(imported.err()).isZero();
    assertThat(imported.out()).contains("imported 2 keys").contains("node-proxy").contains("node-proxy-2")
        .doesNotContain(first).doesNotContain(second);

    // refused a moment ago, so remembered as unknown: the store's change mark (IDENTITY_POLL_INTERVAL) ends that
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(10), () -> call(first) == 200)).isTrue();
    assertThat(call(second)).isEqualTo(200);
    assertThat(call("OLLAMA-" + UUID.randomUUID())).isEqualTo(401);

    JsonArray keys = new JsonArray(cli("keys", "list", "--user", "node-clients", "--json").out());
    assertThat(keys).hasSize(2);
    for (int i = 0; i < keys.size(); i++) {
      JsonObject key = keys.getJsonObject(i);
      String prefix = key.getString("prefix");
      assertThat(prefix.replace("…", "")).hasSizeLessThanOrEqualTo(8);
      assertThat(key.getLong("requests_per_hour")).isEqualTo(500L);
    }
    assertThat(keys.getJsonObject(0).getString("prefix")).isEqualTo("OLLA…" + first.substring(first.length() - 4));

    // the same file again: refused, naming the entry, and nothing is added
    int before = keyCount();
    Cli.Result again = cli("keys", "import", file.toString(), "--user", "node-clients");
    assertThat(again.status()).isEqualTo(1);
    assertThat(again.err()).contains("entry 1").contains("already in the store as key").contains("nothing was "
        + "imported").doesNotContain(first);
    assertThat(keyCount()).isEqualTo(before);
    // and a file that repeats a key is refused before the store is touched
    Files.writeString(file, "[\"" + "x".repeat(20) + "\",\"" + "x".repeat(20) + "\"]");
    Cli.Result twice = cli("keys", "import", file.toString(), "--user", "node-clients");
    assertThat(twice.status()).isEqualTo(1);
    assertThat(twice.err()).contains("entry 2: the same key comes twice");
    assertThat(keyCount()).isEqualTo(before);
  }

  @Test
  void textFilesOtherJsonShapesAndStandardInputAreImported() throws Exception {
    String demo = "imported-user-key-" + UUID.randomUUID();
    String labelled = "labelled-key-" + UUID.randomUUID();
    String object = "object-key-" + UUID.randomUUID();
    String piped = "sk-" + UUID.randomUUID().toString().replace("-", "") + "0123456789";
    Path text = Files.writeString(fixture.workDir.resolve("keys.txt"), "# one key a line\n\n" + demo + "\n");
    Path map = Files.writeString(fixture.workDir.resolve("map.json"), "{\"" + labelled + "\": \"alice laptop\"}");
    Path objects = Files.writeString(fixture.workDir.resolve("objects.json"),
        "[{\"key\": \"" + object + "\", \"name\": \"ci runner\"}]");
    assertThat(cli("users", "create", "migrated").status()).isZero();
    assertThat(cli("keys", "import", text.toString(), "--user", "migrated").status()).isZero();
    assertThat(cli("keys", "import", map.toString(), "--user", "migrated").status()).isZero();
    assertThat(cli("keys", "import", objects.toString(), "--user", "migrated", "--json").status()).isZero();
    InputStream stdin = System.in;
    Cli.Result fromStdin;
    try {
      System.setIn(new ByteArrayInputStream((piped + "\n").getBytes(StandardCharsets.UTF_8)));
      fromStdin = cli("keys", "import", "-", "--user", "migrated", "--name", "from-stdin");
    } finally {
      System.setIn(stdin);
    }
    assertThat(fromStdin.status()).as(fromStdin.err()).isZero();

    JsonArray keys = new JsonArray(cli("keys", "list", "--user", "migrated", "--json").out());
    assertThat(keys.stream().map(k -> ((JsonObject) k).getString("name")))
        .containsExactly("imported", "alice laptop", "ci runner", "from-stdin");
    // an imported sk- key shows no more than any other imported key
    assertThat(keys.getJsonObject(3).getString("prefix")).isEqualTo(piped.substring(0, 4) + "…" + piped.substring(piped.length() - 4));
    for (String key : new String[] {demo, labelled, object, piped}) {
      assertThat(call(key)).as(key.substring(0, 4)).isEqualTo(200);
    }

    Cli.Result tooShort = cli("keys", "import", Files.writeString(fixture.workDir.resolve("short.txt"), "short\n")
        .toString(), "--user", "migrated");
    assertThat(tooShort.status()).isEqualTo(1);
    assertThat(tooShort.err()).contains("line 1: a key must have 16 to 512 characters");
    assertThat(cli("keys", "import", "nope.json", "--user", "migrated").err()).contains("nope.json: no such file");
  }

  @Test
  void theQuotaProxysStoredHashesAreImportedAndItsCallersKeepTheirKeys() throws Exception {
    // that proxy kept only SHA-256 hashes of its sk- keys: its callers hold the keys, its database the hashes
    String callersKey = "sk-" + UUID.randomUUID().toString().replace("-", "");
    String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(callersKey.getBytes(StandardCharsets.UTF_8)));
    Path hashes = Files.writeString(fixture.workDir.resolve("hashes.txt"), hash.toUpperCase() + "\n");
    Cli.Result imported = cli("keys", "import", hashes.toString(), "--hashed", "--user", "quota-dave",
        "--create-user", "--name", "quota-proxy");
    assertThat(imported.status()).as(imported.err()).isZero();
    assertThat(imported.out()).contains("sha256:" + hash.substring(0, 4) + "…");
    assertThat(call(callersKey)).isEqualTo(200);

    Path notAHash = Files.writeString(fixture.workDir.resolve("not-a-hash.txt"), callersKey + "\n");
    Cli.Result refused = cli("keys", "import", notAHash.toString(), "--hashed", "--user", "quota-dave");
    assertThat(refused.status()).isEqualTo(1);
    assertThat(refused.err()).contains("line 1: a hashed key must be the 64 hex digits");
  }

  @Test
  void theAdminApiImportsKeysToo() {
    long user = admin.post("/admin/api/users", new JsonObject().put("name", "api-imported").encode(),
        Http.bearer(fixture.adminKey)).json().getLong("id");
    String key = "OLLAMA-" + UUID.randomUUID();
    JsonObject body = new JsonObject().put("user_id", user).put("name", "from-api")
        .put("keys", new JsonArray().add(key));
    Http.Answer imported = admin.post("/admin/api/keys/import", body.encode(), Http.bearer(fixture.adminKey));
    assertThat(imported.status()).as(imported.body()).isEqualTo(201);
    assertThat(imported.json().getInteger("imported")).isEqualTo(1);
    assertThat(imported.body()).doesNotContain(key);
    assertThat(call(key)).isEqualTo(200);

    Http.Answer again = admin.post("/admin/api/keys/import", body.encode(), Http.bearer(fixture.adminKey));
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().getString("error")).contains("already in the store");

    Http.Answer text = admin.post("/admin/api/keys/import", new JsonObject().put("user_id", user)
        .put("text", "tiny\n").encode(), Http.bearer(fixture.adminKey));
    assertThat(text.status()).isEqualTo(400);
    assertThat(text.json().getString("field")).isEqualTo("keys");
    // a user's key may not import
    Http.Answer notAdmin = admin.post("/admin/api/keys/import", body.encode(), Http.bearer(key));
    assertThat(notAdmin.status()).isEqualTo(403);
  }

  @Test
  void theQuotaProxysOwnSettingsStartAGatewayThatAnswersItsAdminCalls(@TempDir Path dir) throws Exception {
    // its backend/.env with the SQLite URL of its README, and the admin port it used
    int adminPort = IdentityFixture.freePort();
    Files.writeString(dir.resolve(".env"), """
        DATABASE_URL=sqlite:///gateway.db
        OLLAMA_URL=%s
        ALLOWED_ORIGINS=https://admin.example.com
        ADMIN_PORT=%d
        """.formatted(fixture.emulator.url(), adminPort));
    Cli.Result bootstrap = Cli.run(Map.of(), dir, "keys", "create", "--admin", "--name", "bootstrap", "--json");
    assertThat(bootstrap.status()).as(bootstrap.err()).isZero();
    String adminKey = new JsonObject(bootstrap.out()).getString("key");
    assertThat(dir.resolve("gateway.db")).exists(); // relative, as SQLAlchemy reads sqlite:///

    int port = IdentityFixture.freePort();
    try (GatewayProcess gateway = GatewayProcess.java(Map.of("PORT", String.valueOf(port), "HOST", "127.0.0.1",
        "EVENT_LOOPS", "1"), dir, "serve")) {
      gateway.awaitLine(l -> l.contains("listening on"), Duration.ofSeconds(60));
      assertThat(gateway.lines()).anyMatch(l -> l.contains("identity store: SQLite " + dir.resolve("gateway.db")))
          .anyMatch(l -> l.contains("admin API on http://127.0.0.1:" + adminPort));
      Http quotaAdmin = new Http(adminPort);
      Http.Answer quota = quotaAdmin.send("PUT", "/api/quotas/1", """
          {"daily_tokens": 1000000, "monthly_tokens": 10000000, "daily_requests": 1000, "monthly_requests": 10000}""",
          "Authorization", "Bearer " + adminKey);
      assertThat(quota.status()).as(quota.body()).isEqualTo(200);
      assertThat(quota.json().getLong("monthly_requests")).isEqualTo(10000L);
      assertThat(quotaAdmin.get("/api/users", Http.bearer(adminKey)).array().getJsonObject(0).getBoolean("is_admin"))
          .isTrue();
      assertThat(new Http(port).post("/api/chat", chat(), Http.bearer(adminKey)).status()).isEqualTo(200);
      assertThat(gateway.stop(Duration.ofSeconds(30))).isZero();
    }
  }

  @Test
  void theQuotaProxysAdminCallsAnswerOnTheAdminPort() {
    String[] auth = Http.bearer(fixture.adminKey);
    // its README, verbatim but for the key: user 1 is the install's first admin
    Http.Answer quota = admin.send("PUT", "/api/quotas/1", """
        {
          "daily_tokens": 1000000,
          "monthly_tokens": 10000000,
          "daily_requests": 1000,
          "monthly_requests": 10000
        }""", "Authorization", "Bearer " + fixture.adminKey);
    assertThat(quota.status()).as(quota.body()).isEqualTo(200);
    assertThat(quota.json()).isEqualTo(new JsonObject().put("user_id", 1).put("daily_tokens", 1000000)
        .put("monthly_tokens", 10000000).put("daily_requests", 1000).put("monthly_requests", 10000));
    assertThat(admin.get("/admin/api/users/1/quota", auth).json().getLong("daily_requests"))
        .isEqualTo(1000L);

    Http.Answer user = admin.post("/api/users", new JsonObject().put("username", "quota-carol")
        .put("email", "carol@example.com").put("is_admin", false).put("password", "a long password!").encode(), auth);
    assertThat(user.status()).as(user.body()).isEqualTo(200);
    long carol = user.json().getLong("id");
    assertThat(user.json().getString("username")).isEqualTo("quota-carol");
    assertThat(user.json().getBoolean("is_admin")).isFalse();
    assertThat(admin.get("/api/users", auth).array().stream().map(u -> ((JsonObject) u).getString("username")))
        .contains("quota-carol", "admin");

    Http.Answer created = admin.post("/api/api-keys", new JsonObject().put("user_id", carol).encode(), auth);
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    String secret = created.json().getString("api_key");
    long keyId = created.json().getLong("id");
    assertThat(secret).startsWith("sk-");
    assertThat(created.json().getBoolean("is_active")).isTrue();
    assertThat(admin.get("/api/api-keys", auth).body()).contains("\"key_prefix\"").doesNotContain(secret);

    // null is unlimited: one request a day, the rest unlimited
    Http.Answer carolQuota = admin.send("PUT", "/api/quotas/" + carol, new JsonObject().put("daily_requests", 1)
        .putNull("daily_tokens").encode(), "Authorization", "Bearer " + fixture.adminKey);
    assertThat(carolQuota.json().getLong("daily_requests")).isEqualTo(1L);
    assertThat(carolQuota.json().getValue("monthly_tokens")).isNull();
    assertThat(call(secret)).isEqualTo(200);
    assertThat(call(secret)).isEqualTo(429);

    Http.Answer deactivated = admin.send("PUT", "/api/api-keys/" + keyId + "/deactivate", null,
        "Authorization", "Bearer " + fixture.adminKey);
    assertThat(deactivated.status()).as(deactivated.body()).isEqualTo(200);
    assertThat(deactivated.json().getBoolean("is_active")).isFalse();
    assertThat(call(secret)).isEqualTo(401);

    // FastAPI's error shape; admin rights as for the admin API
    assertThat(admin.get("/api/users").status()).isEqualTo(401);
    assertThat(admin.get("/api/users").json().getString("detail")).isNotBlank();
    Http.Answer unknown = admin.send("PUT", "/api/quotas/9999", "{}", "Authorization", "Bearer " + fixture.adminKey);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().getString("detail")).contains("9999");
    // on the proxy port /api/users is Ollama's namespace, not the admin API
    assertThat(fixture.http.get("/api/users", auth).status()).isNotEqualTo(200);
  }
}
