package io.ollamagateway.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.SharedGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Self-service over HTTP, as a user's client or console sees it: the caps an admin sets and what they bind,
 * creating, naming, rotating (with the grace period) and revoking one's own keys, one's own usage and limits,
 * another user's key ids answered as unknown ones, and the audit trail. Runs unchanged on SQLite and PostgreSQL.
 */
abstract class SelfServiceTest extends SharedGateway {

  private static final String MODEL = "llama3.2:latest";
  private static final String OTHER_MODEL = "qwen2.5:0.5b";
  private static final String[] FAST = {"X-Emulator-Interval-Ms", "0", "X-Emulator-TTFT-Ms", "0"};
  private static final AtomicInteger NAMES = new AtomicInteger();

  SelfServiceTest() {
    super(Map.of("USAGE_FLUSH_INTERVAL", "50ms"));
  }

  /** A new user with a key of their own, made by the admin: the user's id and secret. */
  private record Someone(long id, String key) {
  }

  private Someone someone(String name) {
    long id = fixture.user(name + "-" + NAMES.incrementAndGet(), "user");

    return new Someone(id, fixture.key(id, "first", new JsonObject()).getString("key"));
  }

  @Test
  void adminsSetCapsAndTheyBindTheKeysUsersCreate() {
    Someone carol = someone("carol");
    Http.Answer set = http.send("PUT", "/admin/api/users/" + carol.id + "/caps", new JsonObject()
        .put("max_keys", 3).put("models", new JsonArray().add("llama3*").add(OTHER_MODEL))
        .put("requests_per_minute", 60).put("max_rotation_grace_seconds", 600).encode(), Http.bearer(admin));
    assertThat(set.status()).as(set.body()).isEqualTo(200);
    Http.Answer caps = http.get("/admin/api/me/caps", Http.bearer(carol.key));
    assertThat(caps.status()).isEqualTo(200);
    assertThat(caps.json().getInteger("max_keys")).isEqualTo(3);
    assertThat(caps.json().getJsonArray("models")).containsExactly("llama3*", OTHER_MODEL);
    assertThat(caps.json().getLong("effective_max_rotation_grace_seconds")).isEqualTo(600);
    assertThat(http.send("PUT", "/admin/api/users/" + carol.id + "/caps", "{\"max_keys\":9}",
        Http.bearer(carol.key)).status()).as("a user cannot raise their own caps").isEqualTo(403);
    assertThat(http.send("PUT", "/admin/api/users/" + carol.id + "/caps", "{\"max_keys\":-1}",
        Http.bearer(admin)).json().getString("field")).isEqualTo("max_keys");

    // left out: the caps' models and limits; given: within them
    JsonObject defaulted = create(carol.key, new JsonObject().put("name", "laptop"), 201);
    assertThat(defaulted.getJsonArray("models")).containsExactly("llama3*", OTHER_MODEL);
    assertThat(defaulted.getLong("requests_per_minute")).isEqualTo(60);
    assertThat(defaulted.getString("key")).startsWith("sk-");
    assertThat(create(carol.key, new JsonObject().put("name", "x").put("models", new JsonArray().add("mistral")),
        400).getString("field")).isEqualTo("models");
    assertThat(create(carol.key, new JsonObject().put("name", "x").put("models", new JsonArray().add("*")), 400)
        .getString("field")).as("a wider glob is refused").isEqualTo("models");
    assertThat(create(carol.key, new JsonObject().put("name", "x").put("requests_per_minute", 61), 400)
        .getString("field")).isEqualTo("requests_per_minute");
    JsonObject narrow = create(carol.key, new JsonObject().put("name", "ci").put("models",
        new JsonArray().add(MODEL)).put("requests_per_minute", 10), 201);
    assertThat(narrow.getJsonArray("models")).containsExactly(MODEL);
    assertThat(narrow.getLong("requests_per_minute")).isEqualTo(10);
    // first (by the admin) + laptop + ci = 3: the cap
    Http.Answer over = http.post("/admin/api/me/keys", "{\"name\":\"one-too-many\"}", Http.bearer(carol.key));
    assertThat(over.status()).isEqualTo(409);
    assertThat(over.json().getString("error")).contains("at most 3");

    // a rotation needs no free slot, but rotations cannot pile keys up beyond the cap + 1
    Http.Answer rotated = http.post("/admin/api/me/keys/" + narrow.getLong("id") + "/rotate", "{\"grace_seconds\":60}",
        Http.bearer(carol.key));
    assertThat(rotated.status()).as(rotated.body()).isEqualTo(201);
    Http.Answer again = http.post("/admin/api/me/keys/" + rotated.json().getLong("id") + "/rotate",
        "{\"grace_seconds\":60}", Http.bearer(carol.key));
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().getString("error")).contains("grace");
    narrow = rotated.json();

    // the narrow key may use only its model, as any allowlisted key
    assertThat(chat(narrow.getString("key"), MODEL).status()).isEqualTo(200);
    assertThat(chat(narrow.getString("key"), OTHER_MODEL).status()).isEqualTo(403);
    assertThat(audit()).anySatisfy(e -> assertThat(e.getString("action")).isEqualTo("user.caps"));
  }

  @Test
  void rotationGivesANewSecretWithTheSameSettingsAndKeepsTheOldOneForTheGrace() {
    Someone dan = someone("dan");
    JsonObject original = create(dan.key, new JsonObject().put("name", "build").put("models",
        new JsonArray().add(MODEL)).put("tokens_per_minute", 5000), 201);
    long id = original.getLong("id");

    Http.Answer rotated = http.post("/admin/api/me/keys/" + id + "/rotate", "{\"grace_seconds\":600}",
        Http.bearer(dan.key));
    assertThat(rotated.status()).as(rotated.body()).isEqualTo(201);
    JsonObject fresh = rotated.json();
    assertThat(fresh.getLong("id")).isNotEqualTo(id);
    assertThat(fresh.getString("key")).startsWith("sk-").isNotEqualTo(original.getString("key"));
    assertThat(fresh.getString("name")).isEqualTo("build");
    assertThat(fresh.getJsonArray("models")).containsExactly(MODEL);
    assertThat(fresh.getLong("tokens_per_minute")).isEqualTo(5000);
    assertThat(fresh.getLong("grace_seconds")).isEqualTo(600);
    Instant graceEnd = Instant.parse(fresh.getJsonObject("old_key").getString("expires_at"));
    assertThat(graceEnd).isBetween(Instant.now().plusSeconds(590), Instant.now().plusSeconds(610));
    assertThat(fresh.getJsonObject("old_key").encode()).doesNotContain(original.getString("key"));
    // both secrets work during the grace
    assertThat(chat(original.getString("key"), MODEL).status()).isEqualTo(200);
    assertThat(chat(fresh.getString("key"), MODEL).status()).isEqualTo(200);

    // above the cap (24 h by default) is refused and changes nothing
    Http.Answer tooLong = http.post("/admin/api/me/keys/" + fresh.getLong("id") + "/rotate",
        "{\"grace_seconds\":86401}", Http.bearer(dan.key));
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(tooLong.json().getString("field")).isEqualTo("grace_seconds");
    assertThat(chat(fresh.getString("key"), MODEL).status()).isEqualTo(200);

    // a grace of 0: the old secret stops at once
    Http.Answer now = http.post("/admin/api/me/keys/" + fresh.getLong("id") + "/rotate", "{\"grace_seconds\":0}",
        Http.bearer(dan.key));
    assertThat(now.status()).isEqualTo(201);
    assertThat(now.json().getJsonObject("old_key").getString("status")).isEqualTo("revoked");
    assertThat(chat(fresh.getString("key"), MODEL).status()).isEqualTo(401);
    assertThat(chat(now.json().getString("key"), MODEL).status()).isEqualTo(200);
  }

  @Test
  void theDefaultGraceCapIsASettingAndAnAdminsCapForAUserWins() throws Exception {
    try (IdentityFixture shorter = new IdentityFixture(database, Map.of("KEY_ROTATION_MAX_GRACE", "10m"))) {
      long lena = shorter.user("lena-" + NAMES.incrementAndGet(), "user");
      String key = shorter.key(lena, "first", new JsonObject()).getString("key");
      long id = shorter.key(lena, "second", new JsonObject()).getLong("id");
      assertThat(shorter.http.get("/admin/api/me/caps", Http.bearer(key)).json()
          .getLong("effective_max_rotation_grace_seconds")).isEqualTo(600);
      Http.Answer tooLong = shorter.http.post("/admin/api/me/keys/" + id + "/rotate", "{\"grace_seconds\":601}",
          Http.bearer(key));
      assertThat(tooLong.status()).isEqualTo(400);
      assertThat(tooLong.json().getString("error")).contains("600");
      assertThat(shorter.http.send("PUT", "/admin/api/users/" + lena + "/caps",
          "{\"max_rotation_grace_seconds\":7200}", Http.bearer(shorter.adminKey)).status()).isEqualTo(200);
      assertThat(shorter.http.post("/admin/api/me/keys/" + id + "/rotate", "{\"grace_seconds\":7200}",
          Http.bearer(key)).status()).isEqualTo(201);
    }
  }

  @Test
  void usersNameAndRevokeTheirKeysAndRevocationIsImmediate() {
    Someone erin = someone("erin");
    JsonObject key = create(erin.key, new JsonObject().put("name", "notebook"), 201);
    long id = key.getLong("id");
    Http.Answer renamed = http.send("PATCH", "/admin/api/me/keys/" + id, "{\"name\":\"old notebook\"}",
        Http.bearer(erin.key));
    assertThat(renamed.status()).isEqualTo(200);
    assertThat(renamed.json().getString("name")).isEqualTo("old notebook");
    assertThat(http.send("PATCH", "/admin/api/me/keys/" + id, "{\"models\":[\"*\"]}", Http.bearer(erin.key))
        .status()).as("only the name can be changed").isEqualTo(400);
    JsonArray mine = http.get("/admin/api/me/keys", Http.bearer(erin.key)).array();
    assertThat(mine).hasSize(2);
    assertThat(mine.encode()).doesNotContain(key.getString("key"));

    assertThat(chat(key.getString("key"), MODEL).status()).isEqualTo(200);
    Http.Answer revoked = http.send("DELETE", "/admin/api/me/keys/" + id, null, Http.bearer(erin.key));
    assertThat(revoked.status()).isEqualTo(200);
    assertThat(revoked.json().getString("status")).isEqualTo("revoked");
    assertThat(chat(key.getString("key"), MODEL).status()).isEqualTo(401);
    assertThat(http.post("/admin/api/me/keys/" + id + "/rotate", "{}", Http.bearer(erin.key)).status())
        .as("a revoked key cannot be rotated back to life").isEqualTo(409);
  }

  @Test
  void anotherUsersKeyIdsAreAnsweredAsUnknownOnesAndChangeNothing() {
    Someone frank = someone("frank");
    Someone grace = someone("grace");
    JsonObject graces = create(grace.key, new JsonObject().put("name", "private"), 201);
    long theirs = graces.getLong("id");
    long unknown = 987_654_321L;
    String[][] calls = {{"GET", ""}, {"PATCH", "{\"name\":\"mine now\"}"}, {"POST/rotate", "{}"},
        {"POST/revoke", "{}"}, {"DELETE", ""}};
    for (String[] call : calls) {
      Http.Answer other = send(call, theirs, frank.key);
      Http.Answer none = send(call, unknown, frank.key);
      assertThat(other.status()).as(call[0]).isEqualTo(404);
      assertThat(none.status()).as(call[0]).isEqualTo(404);
      // each answer carries its own request id; apart from it and the id asked for, they are the same
      assertThat(withoutRequestId(other.body()).replace(Long.toString(theirs), "N")).as("no difference to tell")
          .isEqualTo(withoutRequestId(none.body()).replace(Long.toString(unknown), "N"));
    }
    JsonObject after = http.get("/admin/api/keys/" + theirs, Http.bearer(admin)).json();
    assertThat(after.getString("name")).isEqualTo("private");
    assertThat(after.getString("status")).isEqualTo("active");
    assertThat(chat(graces.getString("key"), MODEL).status()).isEqualTo(200);
    assertThat(http.get("/admin/api/me/keys", Http.bearer(frank.key)).array().encode()).doesNotContain("private");
    assertThat(http.get("/admin/api/me/usage?user=" + grace.id, Http.bearer(frank.key)).status())
        .as("the user filter is not the caller's to choose").isEqualTo(400);
    assertThat(http.get("/admin/api/me/usage?key=" + theirs, Http.bearer(frank.key)).array()).isEmpty();
  }

  @Test
  void usersSeeTheirOwnUsageAndWhatIsLeftOfTheirLimits() {
    Someone hana = someone("hana");
    Someone ivan = someone("ivan");
    assertThat(http.send("PUT", "/admin/api/users/" + hana.id + "/quota", "{\"daily_requests\":100}",
        Http.bearer(admin)).status()).isEqualTo(200);
    JsonObject limited = create(hana.key, new JsonObject().put("name", "limited").put("requests_per_minute", 50),
        201);
    assertThat(chat(hana.key, MODEL).status()).isEqualTo(200);
    assertThat(chat(limited.getString("key"), OTHER_MODEL).status()).isEqualTo(200);
    assertThat(chat(ivan.key, MODEL).status()).isEqualTo(200);
    assertThat(chat(ivan.key, MODEL).status()).isEqualTo(200);

    boolean flushed = GatewayFixture.eventually(Duration.ofSeconds(10), () -> total(
        http.get("/admin/api/me/usage", Http.bearer(hana.key)).array(), "requests") == 2);
    assertThat(flushed).isTrue();
    JsonArray byModel = http.get("/admin/api/me/usage?by=model&group_by=day", Http.bearer(hana.key)).array();
    assertThat(byModel).extracting(r -> ((JsonObject) r).getString("model")).containsExactlyInAnyOrder(MODEL,
        OTHER_MODEL);
    JsonArray byKey = http.get("/admin/api/me/usage?by=key", Http.bearer(limited.getString("key"))).array();
    assertThat(byKey).extracting(r -> ((JsonObject) r).getLong("key_id"))
        .containsExactlyInAnyOrder(keyId(hana.key), limited.getLong("id"));
    assertThat(http.get("/admin/api/me/usage?by=user", Http.bearer(hana.key)).status()).isEqualTo(400);

    JsonObject limits = http.get("/admin/api/me/limits", Http.bearer(hana.key)).json();
    assertThat(limits.getJsonObject("usage").getJsonObject("today").getLong("requests")).isEqualTo(2);
    assertThat(limits.getJsonObject("user").getLong("id")).isEqualTo(hana.id);
    JsonObject daily = limits.getJsonArray("quota").stream().map(JsonObject.class::cast)
        .filter(q -> q.getLong("max") == 100).findFirst().orElseThrow();
    assertThat(daily.getLong("remaining")).isEqualTo(98);
    JsonObject limitedView = limits.getJsonArray("keys").stream().map(JsonObject.class::cast)
        .filter(k -> k.getLong("id").equals(limited.getLong("id"))).findFirst().orElseThrow();
    assertThat(limitedView.getJsonArray("limits").stream().map(JsonObject.class::cast)
        .anyMatch(l -> l.getLong("max") == 50 && l.getLong("remaining") == 49)).as(limitedView.encode()).isTrue();
    assertThat(limits.encode()).doesNotContain(limited.getString("key")).doesNotContain(ivan.key);
    assertThat(http.get("/admin/api/me/limits").status()).isEqualTo(401);
  }

  @Test
  void everythingAUserDoesIsAuditedWithTheKeyIdAndNeverTheSecret() {
    Someone jo = someone("jo");
    JsonObject key = create(jo.key, new JsonObject().put("name", "audited"), 201);
    long id = key.getLong("id");
    http.send("PATCH", "/admin/api/me/keys/" + id, "{\"name\":\"renamed\"}", Http.bearer(jo.key));
    JsonObject rotated = http.post("/admin/api/me/keys/" + id + "/rotate", "{\"grace_seconds\":60}",
        Http.bearer(jo.key)).json();
    long next = rotated.getLong("id");
    http.post("/admin/api/me/keys/" + next + "/revoke", "{}", Http.bearer(jo.key));

    List<JsonObject> entries = audit();
    List<String> mine = new ArrayList<>();
    for (JsonObject entry : entries) {
      String target = entry.getString("target");
      if (entry.getString("actor").contains(jo.key.substring(0, 3)) || target != null
          && (target.equals("key:" + id) || target.equals("key:" + next))) {
        assertThat(entry.getString("actor")).contains("jo-");
        mine.add(entry.getString("action") + " " + target);
      }
      assertThat(entry.encode()).doesNotContain(key.getString("key")).doesNotContain(rotated.getString("key"))
          .doesNotContain(jo.key);
    }
    assertThat(mine).contains("key.create key:" + id, "key.update key:" + id, "key.rotate key:" + id,
        "key.create key:" + next, "key.revoke key:" + next);
  }

  @Test
  void aConsoleSessionOfAUserNeedsItsCsrfTokenForChanges() {
    Someone kim = someone("kim");
    WebConsoleTest.Session session = WebConsoleTest.signInWithKey(http, kim.key);
    assertThat(http.post("/admin/api/me/keys", "{\"name\":\"from-console\"}", "Cookie", session.cookie())
        .status()).isEqualTo(403);
    Http.Answer created = http.post("/admin/api/me/keys", "{\"name\":\"from-console\"}", "Cookie",
        session.cookie(), WebConsole.CSRF_HEADER, session.csrf());
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(http.get("/admin/api/me/limits", "Cookie", session.cookie()).status()).isEqualTo(200);
    assertThat(http.get("/admin/api/me/usage", "Cookie", session.cookie()).status()).isEqualTo(200);
  }

  // -------------------------------------------------------------------------------------------------------

  private JsonObject create(String key, JsonObject body, int status) {
    Http.Answer answer = http.post("/admin/api/me/keys", body.encode(), Http.bearer(key));
    assertThat(answer.status()).as(answer.body()).isEqualTo(status);
    return answer.json();
  }

  private Http.Answer send(String[] call, long id, String key) {
    String[] auth = Http.bearer(key);
    return switch (call[0]) {
      case "GET" -> http.get("/admin/api/me/keys/" + id, auth);
      case "PATCH" -> http.send("PATCH", "/admin/api/me/keys/" + id, call[1], auth);
      case "POST/rotate" -> http.post("/admin/api/me/keys/" + id + "/rotate", call[1], auth);
      case "POST/revoke" -> http.post("/admin/api/me/keys/" + id + "/revoke", call[1], auth);
      default -> http.send("DELETE", "/admin/api/me/keys/" + id, null, auth);
    };
  }

  private Http.Answer chat(String key, String model) {
    List<String> headers = new ArrayList<>(List.of(Http.bearer(key)));
    headers.addAll(List.of(FAST));
    return http.post("/api/chat", "{\"model\":\"" + model + "\",\"stream\":false,\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}]}", headers.toArray(String[]::new));
  }

  private List<JsonObject> audit() {
    return http.get("/admin/api/audit?limit=1000", Http.bearer(admin)).array().stream().map(JsonObject.class::cast)
        .toList();
  }

  private long keyId(String secret) {
    return http.get("/admin/api/me", Http.bearer(secret)).json().getJsonObject("key").getLong("id");
  }

  private static long total(JsonArray rows, String field) {
    return rows.stream().mapToLong(r -> ((JsonObject) r).getLong(field)).sum();
  }

  private static String withoutRequestId(String body) {
    return body.replaceAll("\"request_id\":\"[^\"]*\"", "\"request_id\":\"R\"");
  }
}
