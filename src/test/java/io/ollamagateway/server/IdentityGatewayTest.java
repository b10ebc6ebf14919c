package io.ollamagateway.server;

import io.ollamagateway.auth.ModelAllowlist;
import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.Cli;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.LogCapture;
import io.ollamagateway.testing.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * API keys on proxied calls, as a client sees them: the three header forms, wrong, revoked, expired and
 * deactivated keys, admin-only routes, model allowlists on every route family, filtered model lists, keys
 * made by the CLI while the server runs, and secrets that never reach the store or the log. Runs unchanged
 * on SQLite and PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.MethodName.class) // zzSecretsAreNeverStoredNorLogged runs last, over all secrets
abstract class IdentityGatewayTest {

  private TestDatabase database;
  private IdentityFixture fixture;
  private LogCapture logs;
  private Http http;
  private final List<String> secrets = new ArrayList<>();

  abstract TestDatabase newDatabase();

  @BeforeAll
  void start() throws Exception {
    logs = new LogCapture();
    database = newDatabase();
    fixture = new IdentityFixture(database, Map.of());
    http = fixture.http;
    secrets.add(fixture.adminKey);
  }

  @AfterAll
  void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
    if (database != null) {
      database.close();
    }
    if (logs != null) {
      logs.close();
    }
  }

  private String newKey(String role, JsonObject settings) {
    long user = fixture.user(role + "-" + System.nanoTime(), role);
    String key = fixture.key(user, "test", settings).getString("key");
    secrets.add(key);
    return key;
  }

  private static String chat(String model) {
    return new JsonObject().put("model", model).put("stream", false)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))).encode();
  }

  @Test
  void aKeyIsAcceptedAsBearerBareAuthorizationAndXApiKey() {
    String key = newKey("user", new JsonObject());
    assertThat(http.get("/api/tags", "Authorization", "Bearer " + key).status()).isEqualTo(200);
    assertThat(http.get("/api/tags", "Authorization", key).status()).isEqualTo(200);
    assertThat(http.get("/api/tags", "x-api-key", key).status()).isEqualTo(200);
    assertThat(http.post("/api/chat", chat("llama3.2"), Http.bearer(key)).status()).isEqualTo(200);
    assertThat(fixture.emulator.stats().lastRequest().headers().get("Authorization")).isNull();
  }

  @Test
  void wrongAndMissingKeysAre401InTheCalledApisShape() {
    long failuresBefore = fixture.gateway.identity().authenticator().failures();
    String wrong = "sk-" + "x".repeat(43);
    Http.Answer nativeAnswer = http.get("/api/tags", Http.bearer(wrong));
    assertThat(nativeAnswer.status()).isEqualTo(401);
    assertThat(nativeAnswer.json().getString("error")).contains("invalid API key");
    Http.Answer openAi = http.post("/v1/chat/completions", chat("llama3.2"), Http.bearer(wrong));
    assertThat(openAi.status()).isEqualTo(401);
    assertThat(openAi.json().getJsonObject("error").getString("code")).isEqualTo("invalid_api_key");
    assertThat(http.get("/api/tags").status()).isEqualTo(401);
    assertThat(fixture.gateway.identity().authenticator().failures()).isGreaterThanOrEqualTo(failuresBefore + 3);
    // logged once per address and minute (ThrottledAuthenticator; an earlier test may have opened the minute),
    // with a key's display prefix at most
    assertThat(logs.text()).contains("authentication failed from 127.0.0.1 with ").doesNotContain(wrong);
  }

  @Test
  void aRepeatedUnknownKeyIsAnsweredFromTheNegativeCache() {
    String wrong = "sk-" + "y".repeat(43);
    http.get("/api/tags", Http.bearer(wrong));
    long lookups = fixture.gateway.identity().authenticator().storeLookups();
    for (int i = 0; i < 5; i++) {
      assertThat(http.get("/api/tags", Http.bearer(wrong)).status()).isEqualTo(401);
    }
    assertThat(fixture.gateway.identity().authenticator().storeLookups()).isEqualTo(lookups);
  }

  @Test
  void aRevokedKeyIsRefusedAtOnce() {
    long user = fixture.user("revokee-" + System.nanoTime(), "user");
    JsonObject created = fixture.key(user, "soon-revoked", new JsonObject());
    String key = created.getString("key");
    secrets.add(key);
    assertThat(http.get("/api/tags", Http.bearer(key)).status()).isEqualTo(200);
    assertThat(http.send("DELETE", "/admin/api/keys/" + created.getLong("id"), null, Http.bearer(fixture.adminKey))
        .status()).isEqualTo(200);
    Http.Answer refused = http.get("/api/tags", Http.bearer(key));
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.json().getString("error")).contains("revoked");
  }

  @Test
  void anExpiredKeyIsRefused() throws InterruptedException {
    long user = fixture.user("expiring-" + System.nanoTime(), "user");
    JsonObject soon = fixture.key(user, "short-lived",
        new JsonObject().put("expires_at", Instant.now().plusMillis(1500).toString()));
    String key = soon.getString("key");
    secrets.add(key);
    assertThat(http.get("/api/tags", Http.bearer(key)).status()).isEqualTo(200);
    Thread.sleep(1600); // expiry is checked against the clock on each request, with nothing invalidated
    Http.Answer refused = http.get("/api/tags", Http.bearer(key));
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.json().getString("error")).contains("expired");

    JsonObject other = fixture.key(user, "moved-back", new JsonObject());
    secrets.add(other.getString("key"));
    assertThat(http.get("/api/tags", Http.bearer(other.getString("key"))).status()).isEqualTo(200);
    assertThat(http.send("PATCH", "/admin/api/keys/" + other.getLong("id"),
        new JsonObject().put("expires_at", "2020-01-01T00:00:00Z").encode(), Http.bearer(fixture.adminKey)).status())
        .isEqualTo(200);
    assertThat(http.get("/api/tags", Http.bearer(other.getString("key"))).status()).isEqualTo(401);
  }

  @Test
  void deactivatedKeysAndKeysOfDeactivatedUsersAreRefusedUntilReactivated() {
    long user = fixture.user("deactivated-" + System.nanoTime(), "user");
    JsonObject created = fixture.key(user, "k", new JsonObject());
    String key = created.getString("key");
    secrets.add(key);
    String admin = fixture.adminKey;
    assertThat(http.get("/api/tags", Http.bearer(key)).status()).isEqualTo(200);

    http.send("PATCH", "/admin/api/keys/" + created.getLong("id"), "{\"active\":false}", Http.bearer(admin));
    assertThat(http.get("/api/tags", Http.bearer(key)).json().getString("error")).contains("deactivated");
    http.send("PATCH", "/admin/api/keys/" + created.getLong("id"), "{\"active\":true}", Http.bearer(admin));
    assertThat(http.get("/api/tags", Http.bearer(key)).status()).isEqualTo(200);

    http.send("PATCH", "/admin/api/users/" + user, "{\"active\":false}", Http.bearer(admin));
    Http.Answer refused = http.get("/api/tags", Http.bearer(key));
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.json().getString("error")).contains("user of this API key is deactivated");
    http.send("PATCH", "/admin/api/users/" + user, "{\"active\":true}", Http.bearer(admin));
    assertThat(http.get("/api/tags", Http.bearer(key)).status()).isEqualTo(200);

    assertThat(http.send("DELETE", "/admin/api/users/" + user, null, Http.bearer(admin)).status()).isEqualTo(204);
    assertThat(http.get("/api/tags", Http.bearer(key)).status()).isEqualTo(401);
  }

  @Test
  void onlyAdminsManageModels() {
    String user = newKey("user", new JsonObject());
    String admin = newKey("admin", new JsonObject());
    String copy = "copy-" + System.nanoTime();
    Map<String, String> routes = Map.of(
        "/api/pull", "{\"model\":\"llama3.2\",\"stream\":false}",
        "/api/push", "{\"model\":\"llama3.2\",\"stream\":false}",
        "/api/create", "{\"model\":\"mine\",\"from\":\"llama3.2\",\"stream\":false}",
        "/api/copy", "{\"source\":\"llama3.2\",\"destination\":\"" + copy + "\"}");
    routes.forEach((path, body) -> {
      Http.Answer refused = http.post(path, body, Http.bearer(user));
      assertThat(refused.status()).as(path).isEqualTo(403);
      assertThat(refused.json().getString("error")).as(path).contains("only admins");
      assertThat(http.post(path, body, Http.bearer(admin)).status()).as(path).isEqualTo(200);
    });
    assertThat(http.send("DELETE", "/api/delete", "{\"model\":\"" + copy + "\"}", Http.bearer(user)).status())
        .isEqualTo(403);
    assertThat(http.send("HEAD", "/api/blobs/sha256:abc", null, Http.bearer(user)).status()).isEqualTo(403);
    Http.Answer upload = http.send("POST", "/api/blobs/sha256:abc", "binary", "Authorization", "Bearer " + user,
        "Content-Type", "application/octet-stream");
    assertThat(upload.status()).isEqualTo(403);
    assertThat(http.send("DELETE", "/api/delete", "{\"model\":\"" + copy + "\"}", Http.bearer(admin)).status())
        .isEqualTo(200);
  }

  @Test
  void aModelAllowlistHoldsOnEveryRouteFamily() {
    String key = newKey("user", new JsonObject().put("models", new JsonArray().add("llama3*")));
    String embed = "{\"model\":\"nomic-embed-text\",\"input\":\"hi\"}";
    Map<String, String> refusedNative = Map.of(
        "/api/chat", chat("qwen2.5:0.5b"),
        "/api/generate", "{\"model\":\"qwen2.5:0.5b\",\"prompt\":\"hi\",\"stream\":false}",
        "/api/embed", embed,
        "/api/embeddings", "{\"model\":\"nomic-embed-text\",\"prompt\":\"hi\"}",
        "/api/show", "{\"model\":\"qwen2.5:0.5b\"}");
    refusedNative.forEach((path, body) -> {
      Http.Answer refused = http.post(path, body, Http.bearer(key));
      assertThat(refused.status()).as(path).isEqualTo(403);
      assertThat(refused.json().getString("error")).as(path).contains("is not allowed for this API key");
    });
    Map<String, String> refusedOpenAi = Map.of(
        "/v1/chat/completions", chat("qwen2.5:0.5b"),
        "/v1/completions", "{\"model\":\"qwen2.5:0.5b\",\"prompt\":\"hi\"}",
        "/v1/embeddings", embed,
        "/v1/responses", "{\"model\":\"qwen2.5:0.5b\",\"input\":\"hi\"}");
    refusedOpenAi.forEach((path, body) -> {
      Http.Answer refused = http.post(path, body, Http.bearer(key));
      assertThat(refused.status()).as(path).isEqualTo(403);
      assertThat(refused.json().getJsonObject("error").getString("type")).as(path).isEqualTo("permission_error");
    });
    Http.Answer anthropic = http.post("/v1/messages", chat("qwen2.5:0.5b"), Http.bearer(key));
    assertThat(anthropic.status()).isEqualTo(403);
    assertThat(anthropic.json().getString("type")).isEqualTo("error");
    assertThat(anthropic.json().getJsonObject("error").getString("type")).isEqualTo("permission_error");
    assertThat(http.get("/v1/models/qwen2.5:0.5b", Http.bearer(key)).status()).isEqualTo(403);

    assertThat(http.post("/api/chat", chat("llama3.2"), Http.bearer(key)).status()).isEqualTo(200);
    assertThat(http.post("/api/chat", chat("llama3.2:latest"), Http.bearer(key)).status()).isEqualTo(200);
    assertThat(http.post("/v1/chat/completions", chat("llama3.2"), Http.bearer(key)).status()).isEqualTo(200);
    assertThat(http.get("/v1/models/llama3.2:latest", Http.bearer(key)).status()).isEqualTo(200);
  }

  @Test
  void modelListsShowOnlyTheKeysModels() {
    String limited = newKey("user", new JsonObject().put("models", new JsonArray().add("llama3*").add("nomic*")));
    JsonArray tags = http.get("/api/tags", Http.bearer(limited)).json().getJsonArray("models");
    assertThat(tags.stream().map(m -> ((JsonObject) m).getString("name")))
        .containsExactlyInAnyOrder("llama3.2:latest", "nomic-embed-text:latest");
    JsonArray running = http.get("/api/ps", Http.bearer(limited)).json().getJsonArray("models");
    assertThat(running.stream().map(m -> ((JsonObject) m).getString("name"))).doesNotContain("qwen2.5:0.5b");
    Http.Answer openAi = http.get("/v1/models", Http.bearer(limited));
    assertThat(openAi.json().getString("object")).isEqualTo("list");
    assertThat(openAi.json().getJsonArray("data").stream().map(m -> ((JsonObject) m).getString("id")))
        .containsExactlyInAnyOrder("llama3.2:latest", "nomic-embed-text:latest");

    String unlimited = newKey("user", new JsonObject());
    assertThat(http.get("/api/tags", Http.bearer(unlimited)).json().getJsonArray("models").stream()
        .map(m -> ((JsonObject) m).getString("name")))
        .contains("llama3.2:latest", "qwen2.5:0.5b", "nomic-embed-text:latest");
  }

  @Test
  void aKeyMadeByTheCliWhileTheServerRunsWorksAtOnce() {
    Cli.Result made = Cli.run(Map.of("DATABASE_URL", fixture.database.url()), fixture.workDir,
        "keys", "create", "--admin", "--user", "cli-admin-" + System.nanoTime(), "--name", "from-cli", "--json");
    assertThat(made.status()).as(made.err()).isZero();
    String key = new JsonObject(made.out()).getString("key");
    secrets.add(key);
    assertThat(http.get("/api/tags", Http.bearer(key)).status()).isEqualTo(200);
    assertThat(http.post("/api/pull", "{\"model\":\"llama3.2\",\"stream\":false}", Http.bearer(key)).status())
        .isEqualTo(200);
  }

  @Test
  void aKeyRevokedByTheCliIsRefusedAfterTheNextRefresh() {
    long user = fixture.user("cli-revoked-" + System.nanoTime(), "user");
    JsonObject created = fixture.key(user, "k", new JsonObject());
    String key = created.getString("key");
    secrets.add(key);
    assertThat(http.get("/api/tags", Http.bearer(key)).status()).isEqualTo(200);
    Cli.Result revoked = Cli.run(Map.of("DATABASE_URL", fixture.database.url()), fixture.workDir,
        "keys", "revoke", String.valueOf(created.getLong("id")));
    assertThat(revoked.status()).as(revoked.err()).isZero();
    // another process: the running gateway learns of it on its periodic refresh (KEY_CACHE_REFRESH)
    fixture.gateway.identity().authenticator().refresh();
    Http.Answer refused = http.get("/api/tags", Http.bearer(key));
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.json().getString("error")).contains("revoked");
  }

  @Test
  void lastUseIsRecordedOffTheHotPath() {
    long user = fixture.user("used-" + System.nanoTime(), "user");
    JsonObject created = fixture.key(user, "k", new JsonObject());
    secrets.add(created.getString("key"));
    assertThat(http.get("/api/tags", Http.bearer(created.getString("key"))).status()).isEqualTo(200);
    fixture.gateway.identity().authenticator().flushLastUsed();
    JsonObject stored = http.get("/admin/api/keys/" + created.getLong("id"), Http.bearer(fixture.adminKey)).json();
    assertThat(stored.getString("last_used_at")).isNotNull();
  }

  @Test
  void zzSecretsAreNeverStoredNorLogged() {
    // runs last, over the secrets of every other test, plus one of its own
    newKey("user", new JsonObject());
    fixture.gateway.identity().authenticator().flushLastUsed();
    String store = fixture.database.dump();
    String logged = logs.text();
    assertThat(secrets).isNotEmpty();
    for (String secret : secrets) {
      assertThat(store).doesNotContain(secret).doesNotContain(secret.substring(3));
      assertThat(logged).doesNotContain(secret).doesNotContain(secret.substring(12));
    }
    assertThat(store).contains(io.ollamagateway.auth.ApiKeys.hash(fixture.adminKey));
  }
}
