package io.ollamagateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.SharedGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The admin API as an operator's script sees it: role checks on every route, users and keys round trips with
 * snake_case JSON, validation (400 with the field), unknown ids (404), conflicts (409), the audit log and
 * {@code /me}. Runs unchanged on SQLite and PostgreSQL.
 */
abstract class AdminApiTest extends SharedGateway {

  private static final String SHARED_TOKEN = "shared-operator-token-0123456789";

  AdminApiTest() {
    super(Map.of("PROXY_AUTH_TOKEN", SHARED_TOKEN));
  }

  private record Call(String method, String path, String body) {
  }

  private List<Call> everyAdminRoute() {
    return List.of(
        new Call("GET", "/admin/api/users", null),
        new Call("POST", "/admin/api/users", "{\"name\":\"someone\"}"),
        new Call("GET", "/admin/api/users/1", null),
        new Call("PATCH", "/admin/api/users/1", "{\"role\":\"user\"}"),
        new Call("PUT", "/admin/api/users/1", "{\"role\":\"user\"}"),
        new Call("DELETE", "/admin/api/users/1", null),
        new Call("GET", "/admin/api/keys", null),
        new Call("POST", "/admin/api/keys", "{\"name\":\"x\",\"user_id\":1}"),
        new Call("GET", "/admin/api/keys/1", null),
        new Call("PATCH", "/admin/api/keys/1", "{\"name\":\"y\"}"),
        new Call("PUT", "/admin/api/keys/1", "{\"name\":\"y\"}"),
        new Call("DELETE", "/admin/api/keys/1", null),
        new Call("POST", "/admin/api/keys/1/revoke", null),
        new Call("GET", "/admin/api/audit", null));

  }

  @Test
  void everyAdminRouteRefusesUsersAndStrangers() {
    long userId = fixture.user("plain-" + System.nanoTime(), "user");
    String user = fixture.key(userId, "k", new JsonObject()).getString("key");
    for (Call call : everyAdminRoute()) {
      Http.Answer forbidden = http.send(call.method(), call.path(), call.body(), Http.bearer(user));
      assertThat(forbidden.status()).as(call.toString()).isEqualTo(403);
      assertThat(forbidden.json().getString("error")).as(call.toString()).contains("admin");
      assertThat(http.send(call.method(), call.path(), call.body()).status()).as(call.toString()).isEqualTo(401);
      assertThat(http.send(call.method(), call.path(), call.body(), Http.bearer("sk-wrong-" + "z".repeat(40)))
          .status()).as(call.toString()).isEqualTo(401);
    }
    // nothing was changed by the refused calls: the bootstrap admin (user 1, key 1) still works
    assertThat(http.get("/admin/api/users/1", Http.bearer(admin)).json().getString("role")).isEqualTo("admin");
    assertThat(http.get("/admin/api/keys/1", Http.bearer(admin)).json().getString("status")).isEqualTo("active");
  }

  @Test
  void adminRightsComeFromTheRoleNotTheName() {
    long id = fixture.user("administrator-" + System.nanoTime(), "user");
    String key = fixture.key(id, "k", new JsonObject()).getString("key");
    assertThat(http.get("/admin/api/users", Http.bearer(key)).status()).isEqualTo(403);
    http.send("PATCH", "/admin/api/users/" + id, "{\"role\":\"admin\"}", Http.bearer(admin));
    assertThat(http.get("/admin/api/users", Http.bearer(key)).status()).isEqualTo(200);
    assertThat(http.post("/api/pull", "{\"model\":\"llama3.2\",\"stream\":false}", Http.bearer(key)).status())
        .isEqualTo(200);
    http.send("PATCH", "/admin/api/users/" + id, "{\"role\":\"user\"}", Http.bearer(admin));
    assertThat(http.get("/admin/api/users", Http.bearer(key)).status()).isEqualTo(403);
  }

  @Test
  void theSharedTokenIsAnOperatorAndTheStaticModeKeepsWorking() {
    assertThat(http.get("/admin/api/users", Http.bearer(SHARED_TOKEN)).status()).isEqualTo(200);
    assertThat(http.get("/api/tags", Http.bearer(SHARED_TOKEN)).status()).isEqualTo(200);
    JsonObject me = http.get("/admin/api/me", Http.bearer(SHARED_TOKEN)).json();
    assertThat(me.getString("client_id")).isEqualTo("shared-token");
    assertThat(me.getString("role")).isEqualTo("admin");
    assertThat(me.getValue("key")).isNull();
  }

  @Test
  void usersRoundTrip() {
    String name = "alice-" + System.nanoTime();
    Http.Answer created = http.post("/admin/api/users",
        new JsonObject().put("name", name).put("role", "user").put("email", "alice@example.com").encode(),
        Http.bearer(admin));
    assertThat(created.status()).isEqualTo(201);
    JsonObject alice = created.json();
    assertThat(alice.fieldNames()).containsExactlyInAnyOrder("id", "name", "email", "role", "active", "created_at");
    assertThat(alice.getString("role")).isEqualTo("user");
    assertThat(alice.getBoolean("active")).isTrue();
    long id = alice.getLong("id");

    assertThat(http.get("/admin/api/users/" + id, Http.bearer(admin)).json()).isEqualTo(alice);
    JsonObject updated = http.send("PATCH", "/admin/api/users/" + id,
        "{\"role\":\"admin\",\"active\":false,\"email\":null}", Http.bearer(admin)).json();
    assertThat(updated.getString("role")).isEqualTo("admin");
    assertThat(updated.getBoolean("active")).isFalse();
    assertThat(updated.getValue("email")).isNull();
    assertThat(http.get("/admin/api/users", Http.bearer(admin)).array().stream()
        .map(u -> ((JsonObject) u).getString("name"))).contains(name);

    String key = fixture.key(id, "k", new JsonObject()).getString("key");
    assertThat(http.send("DELETE", "/admin/api/users/" + id, null, Http.bearer(admin)).status()).isEqualTo(204);
    assertThat(http.get("/admin/api/users/" + id, Http.bearer(admin)).status()).isEqualTo(404);
    assertThat(http.get("/admin/api/keys?user_id=" + id, Http.bearer(admin)).status()).isEqualTo(404);
    assertThat(http.get("/api/tags", Http.bearer(key)).status()).isEqualTo(401);
  }

  @Test
  void keysRoundTripAndTheSecretIsShownOnce() {
    long owner = fixture.user("keyowner-" + System.nanoTime(), "user");
    Http.Answer created = http.post("/admin/api/keys", new JsonObject().put("name", "ci").put("user_id", owner)
        .put("models", new JsonArray().add("llama3*")).put("requests_per_minute", 60)
        .put("expires_at", "2099-01-01T00:00:00Z").encode(), Http.bearer(admin));
    assertThat(created.status()).isEqualTo(201);
    JsonObject key = created.json();
    String secret = key.getString("key");
    assertThat(secret).startsWith("sk-").hasSize(46);
    assertThat(key.getString("prefix")).isEqualTo(secret.substring(0, 11) + "…");
    assertThat(key.getLong("user_id")).isEqualTo(owner);
    assertThat(key.getJsonArray("models")).containsExactly("llama3*");
    assertThat(key.getInteger("requests_per_minute")).isEqualTo(60);
    assertThat(key.getString("expires_at")).isEqualTo("2099-01-01T00:00:00Z");
    long id = key.getLong("id");

    JsonObject read = http.get("/admin/api/keys/" + id, Http.bearer(admin)).json();
    assertThat(read.containsKey("key")).isFalse();
    assertThat(read.encode()).doesNotContain(secret.substring(11));
    String listed = http.get("/admin/api/keys?user_id=" + owner, Http.bearer(admin)).body();
    assertThat(listed).doesNotContain(secret.substring(11)).doesNotContain("\"key\"");
    assertThat(new JsonArray(listed)).hasSize(1);

    JsonObject updated = http.send("PATCH", "/admin/api/keys/" + id, "{\"name\":\"ci-2\",\"models\":null,"
        + "\"requests_per_minute\":null,\"expires_at\":null}", Http.bearer(admin)).json();
    assertThat(updated.getString("name")).isEqualTo("ci-2");
    assertThat(updated.getJsonArray("models")).isEmpty();
    assertThat(updated.getValue("requests_per_minute")).isNull();
    assertThat(updated.getValue("expires_at")).isNull();

    JsonObject revoked = http.send("DELETE", "/admin/api/keys/" + id, null, Http.bearer(admin)).json();
    assertThat(revoked.getString("status")).isEqualTo("revoked");
    assertThat(revoked.getString("revoked_at")).isNotNull();
    Http.Answer reactivate = http.send("PATCH", "/admin/api/keys/" + id, "{\"active\":true}", Http.bearer(admin));
    assertThat(reactivate.status()).isEqualTo(409);
  }

  @Test
  void badInputIs400WithTheField() {
    Map<String, String[]> cases = Map.ofEntries(
        Map.entry("missing name", new String[] {"/admin/api/users", "{\"role\":\"user\"}", "name"}),
        Map.entry("bad name", new String[] {"/admin/api/users", "{\"name\":\"has space\"}", "name"}),
        Map.entry("bad role", new String[] {"/admin/api/users", "{\"name\":\"r1\",\"role\":\"root\"}", "role"}),
        Map.entry("bad email", new String[] {"/admin/api/users", "{\"name\":\"r2\",\"email\":\"nope\"}", "email"}),
        Map.entry("unknown field", new String[] {"/admin/api/users", "{\"name\":\"r3\",\"is_admin\":true}",
            "is_admin"}),
        Map.entry("not json", new String[] {"/admin/api/users", "{name", "body"}),
        Map.entry("no user_id", new String[] {"/admin/api/keys", "{\"name\":\"k\"}", "user_id"}),
        Map.entry("no key name", new String[] {"/admin/api/keys", "{\"user_id\":1}", "name"}),
        Map.entry("bad models", new String[] {"/admin/api/keys", "{\"name\":\"k\",\"user_id\":1,\"models\":\"x\"}",
            "models"}),
        Map.entry("bad glob", new String[] {"/admin/api/keys", "{\"name\":\"k\",\"user_id\":1,\"models\":[\"a b\"]}",
            "models"}),
        Map.entry("bad limit", new String[] {"/admin/api/keys",
            "{\"name\":\"k\",\"user_id\":1,\"requests_per_minute\":-5}", "requests_per_minute"}),
        Map.entry("bad time", new String[] {"/admin/api/keys",
            "{\"name\":\"k\",\"user_id\":1,\"expires_at\":\"tomorrow\"}", "expires_at"}),
        Map.entry("past expiry", new String[] {"/admin/api/keys",
            "{\"name\":\"k\",\"user_id\":1,\"expires_at\":\"2001-01-01T00:00:00Z\"}", "expires_at"}));
    int keysBefore = http.get("/admin/api/keys", Http.bearer(admin)).array().size();
    cases.forEach((what, c) -> {
      Http.Answer answer = http.post(c[0], c[1], Http.bearer(admin));
      assertThat(answer.status()).as(what).isEqualTo(400);
      assertThat(answer.json().getString("field")).as(what).isEqualTo(c[2]);
      assertThat(answer.json().getString("error")).as(what).startsWith(c[2] + ": ");
    });
    assertThat(http.get("/admin/api/keys", Http.bearer(admin)).array()).hasSize(keysBefore);
    assertThat(http.get("/admin/api/users/abc", Http.bearer(admin)).status()).isEqualTo(400);
  }

  @Test
  void unknownIdsAre404AndConflictsAre409() {
    assertThat(http.get("/admin/api/users/999999", Http.bearer(admin)).status()).isEqualTo(404);
    assertThat(http.send("PATCH", "/admin/api/users/999999", "{\"active\":false}", Http.bearer(admin)).status())
        .isEqualTo(404);
    assertThat(http.send("DELETE", "/admin/api/users/999999", null, Http.bearer(admin)).status()).isEqualTo(404);
    assertThat(http.get("/admin/api/keys/999999", Http.bearer(admin)).status()).isEqualTo(404);
    assertThat(http.send("DELETE", "/admin/api/keys/999999", null, Http.bearer(admin)).status()).isEqualTo(404);
    Http.Answer noOwner = http.post("/admin/api/keys", "{\"name\":\"k\",\"user_id\":999999}", Http.bearer(admin));
    assertThat(noOwner.status()).isEqualTo(404);
    assertThat(noOwner.json().getString("error")).contains("999999");
    assertThat(http.get("/admin/api/nothing", Http.bearer(admin)).status()).isEqualTo(404);

    String name = "dup-" + System.nanoTime();
    fixture.user(name, "user");
    Http.Answer conflict = http.post("/admin/api/users", new JsonObject().put("name", name).encode(),
        Http.bearer(admin));
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.json().getString("error")).contains(name);
  }

  @Test
  void theLastActiveAdminCannotBeDemotedDeactivatedOrDeleted() {
    for (Object item : http.get("/admin/api/users", Http.bearer(admin)).array()) {
      JsonObject user = (JsonObject) item;
      if (user.getLong("id") != 1L && user.getString("role").equals("admin") && user.getBoolean("active")) {
        http.send("PATCH", "/admin/api/users/" + user.getLong("id"), "{\"role\":\"user\"}", Http.bearer(admin));
      }
    }
    for (String change : List.of("{\"role\":\"user\"}", "{\"active\":false}")) {
      Http.Answer refused = http.send("PATCH", "/admin/api/users/1", change, Http.bearer(admin));
      assertThat(refused.status()).as(change).isEqualTo(409);
      assertThat(refused.json().getString("error")).contains("last active admin");
    }
    assertThat(http.send("DELETE", "/admin/api/users/1", null, Http.bearer(admin)).status()).isEqualTo(409);
    assertThat(http.get("/admin/api/users/1", Http.bearer(admin)).json().getString("role")).isEqualTo("admin");

    long second = fixture.user("second-admin-" + System.nanoTime(), "admin");
    assertThat(http.send("PATCH", "/admin/api/users/" + second, "{\"active\":false}", Http.bearer(admin)).status())
        .isEqualTo(200);
  }

  @Test
  void aLargeBodyIsRefused() {
    String big = "{\"name\":\"" + "x".repeat(100_000) + "\"}";
    assertThat(http.post("/admin/api/users", big, Http.bearer(admin)).status()).isEqualTo(413);
  }

  @Test
  void meTellsAnyValidKeyWhoItIs() {
    String name = "me-" + System.nanoTime();
    long id = fixture.user(name, "user");
    JsonObject key = fixture.key(id, "mine", new JsonObject().put("models", new JsonArray().add("qwen*"))
        .put("requests_per_minute", 12));
    JsonObject me = http.get("/admin/api/me", Http.bearer(key.getString("key"))).json();
    assertThat(me.getString("client_id")).isEqualTo("key:" + key.getLong("id"));
    assertThat(me.getString("role")).isEqualTo("user");
    assertThat(me.getJsonObject("user").getString("name")).isEqualTo(name);
    assertThat(me.getJsonObject("key").getString("name")).isEqualTo("mine");
    assertThat(me.getJsonObject("limits").getJsonArray("models")).containsExactly("qwen*");
    assertThat(me.getJsonObject("limits").getInteger("requests_per_minute")).isEqualTo(12);
    assertThat(http.get("/admin/api/me").status()).isEqualTo(401);
  }

  @Test
  void adminActionsAreAudited() {
    String name = "audited-" + System.nanoTime();
    long id = fixture.user(name, "user");
    long keyId = fixture.key(id, "k", new JsonObject()).getLong("id");
    http.send("DELETE", "/admin/api/keys/" + keyId, null, Http.bearer(admin));
    http.send("DELETE", "/admin/api/users/" + id, null, Http.bearer(admin));
    JsonArray audit = http.get("/admin/api/audit?limit=4", Http.bearer(admin)).array();
    assertThat(audit).hasSize(4);
    assertThat(audit.stream().map(e -> ((JsonObject) e).getString("action")))
        .containsExactly("user.delete", "key.revoke", "key.create", "user.create");
    JsonObject created = audit.getJsonObject(3);
    assertThat(created.getString("target")).isEqualTo("user:" + id);
    assertThat(created.getString("actor")).isEqualTo("key:1 (admin)");
    assertThat(created.getString("detail")).contains(name);
    assertThat(created.getString("at")).isNotNull();
    assertThat(audit.getJsonObject(2).getString("target")).isEqualTo("key:" + keyId);
    JsonArray older = http.get("/admin/api/audit?limit=1&before=" + audit.getJsonObject(3).getLong("id"),
        Http.bearer(admin)).array();
    assertThat(older.getJsonObject(0).getLong("id")).isLessThan(audit.getJsonObject(3).getLong("id"));
  }
}
