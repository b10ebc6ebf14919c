package io.ollamagateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.Cli;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rate limits, concurrency caps and quotas as a client meets them: one gateway with its counters in memory, in
 * front of the emulator, keys and quotas set through the admin API.
 */
class LimitsEndToEndTest {

  /** The emulator counts "one two three" in one chat message as 3 + 4 + 3 = 10 prompt tokens. */
  static final String CHAT = "{\"model\":\"llama3.2\",\"stream\":false,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}";
  static final long CHAT_PROMPT = 10;

  private static IdentityFixture fixture;
  private static Http http;

  @BeforeAll
  static void start() throws Exception {
    fixture = new IdentityFixture(TestDatabase.sqlite(), Map.of("REQUESTS_PER_HOUR_USER", "3",
        "QUOTA_OUTPUT_RESERVE", "20", "ACCESS_LOG", "false"));
    http = fixture.http;
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static String key(String user, JsonObject settings) {
    long id = fixture.user(user, "user");
    return fixture.key(id, "k", settings).getString("key");
  }

  @Test
  void aUsersKeyWithoutLimitsOfItsOwnHasTheRolesHourlyLimit() {
    String key = key("hourly", new JsonObject());
    for (int i = 0; i < 3; i++) {
      Http.Answer ok = http.get("/api/tags", Http.bearer(key));
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.header("X-RateLimit-Limit")).isEqualTo("3");
      assertThat(ok.header("X-RateLimit-Remaining")).isEqualTo(String.valueOf(2 - i));
    }
    Http.Answer refused = http.get("/api/tags", Http.bearer(key));
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.json().getString("error")).contains("this key's limit of 3 requests per hour is used up",
        "resets at");
    long retryAfter = Long.parseLong(refused.header("Retry-After"));
    assertThat(retryAfter).isBetween(1L, 3600L);
    assertThat(refused.header("X-RateLimit-Remaining")).isEqualTo("0");
    long reset = Long.parseLong(refused.header("X-RateLimit-Reset"));
    assertThat(reset).isBetween(Instant.now().getEpochSecond(), Instant.now().getEpochSecond() + 3600);
    assertThat(http.get("/api/tags", Http.bearer(fixture.adminKey)).status())
        .as("another caller is not affected").isEqualTo(200);
    assertThat(http.get("/metrics", Http.bearer(fixture.adminKey)).body())
        .containsPattern("gateway_limited_total\\{limit=\"requests per hour\"} [1-9]");
  }

  @Test
  void aKeysPerMinuteLimitAnswersInTheShapeOfTheCalledApi() {
    String key = key("minute", new JsonObject().put("requests_per_minute", 2).put("requests_per_hour", 1000));
    assertThat(http.post("/api/chat", CHAT, Http.bearer(key)).status()).isEqualTo(200);
    Http.Answer second = http.post("/v1/chat/completions", CHAT, Http.bearer(key));
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.header("X-RateLimit-Limit")).isEqualTo("2");
    assertThat(second.header("X-RateLimit-Remaining")).isEqualTo("0");

    Http.Answer nativeRefusal = http.post("/api/chat", CHAT, Http.bearer(key));
    assertThat(nativeRefusal.status()).isEqualTo(429);
    assertThat(nativeRefusal.json().getString("error")).contains("limit of 2 requests per minute");
    assertThat(Long.parseLong(nativeRefusal.header("Retry-After"))).isBetween(1L, 60L);

    Http.Answer openAiRefusal = http.post("/v1/chat/completions", CHAT, Http.bearer(key));
    assertThat(openAiRefusal.status()).isEqualTo(429);
    JsonObject error = openAiRefusal.json().getJsonObject("error");
    assertThat(error.getString("message")).contains("limit of 2 requests per minute");
    assertThat(error.getString("type")).isNotBlank();
  }

  @Test
  void concurrentRequestsCannotSpendMoreThanTheDailyTokenQuota() throws Exception {
    long userId = fixture.user("quota", "user");
    String key = fixture.key(userId, "k", new JsonObject().put("requests_per_hour", 100_000)).getString("key");
    long quota = 300;
    Http.Answer set = http.send("PUT", "/admin/api/users/" + userId + "/quota",
        new JsonObject().put("daily_tokens", quota).encode(), Http.bearer(fixture.adminKey));
    assertThat(set.status()).as(set.body()).isEqualTo(200);
    assertThat(set.json().getLong("daily_tokens")).isEqualTo(quota);

    // One request first: the gateway learns how the model's template inflates its prompt estimate.
    Http.Answer first = http.post("/api/chat", CHAT, Http.bearer(key));
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    long charged = tokens(first.json());

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      burst.add(client.sendAsync(HttpRequest.newBuilder(URI.create(GatewayFixture.url(fixture.gateway) + "/api/chat"))
          .header("Authorization", "Bearer " + key).header("X-Emulator-Interval-Ms", "5")
          .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    int refused = 0;
    for (CompletableFuture<HttpResponse<String>> answer : burst) {
      HttpResponse<String> response = answer.get();
      if (response.statusCode() == 200) {
        ok++;
        charged += tokens(new JsonObject(response.body()));
      } else {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
        assertThat(response.body()).contains("your account's limit of 300 tokens per day");
        refused++;
      }
    }
    assertThat(ok).as("several requests share the quota").isGreaterThan(5);
    assertThat(refused).isGreaterThan(0);
    assertThat(charged).as("tokens charged by %d answers", ok + 1).isLessThanOrEqualTo(quota + CHAT_PROMPT);

    long expected = charged;
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> {
      GatewayFixture.await(fixture.gateway.usage().flush());
      JsonArray rows = http.get("/admin/api/usage?user=" + userId + "&group_by=day", Http.bearer(fixture.adminKey))
          .array();
      return !rows.isEmpty() && rows.getJsonObject(0).getLong("total_tokens") == expected
          && rows.getJsonObject(0).getLong("requests") == 201;
    })).as("the store holds what the answers said").isTrue();
    Http.Answer usage = http.get("/admin/api/usage?user=" + userId + "&group_by=day", Http.bearer(fixture.adminKey));
    assertThat(usage.array().getJsonObject(0).getLong("total_tokens")).as("the store holds what the answers said")
        .isEqualTo(charged);
    assertThat(usage.array().getJsonObject(0).getLong("requests")).as("refused requests are requests too")
        .isEqualTo(201);
  }

  @Test
  void aCapLargerThanWhatIsLeftIsLoweredSoTheAnswerStopsAtTheQuota() {
    long userId = fixture.user("capped", "user");
    String key = fixture.key(userId, "k", new JsonObject().put("requests_per_hour", 1000)).getString("key");
    http.send("PUT", "/admin/api/users/" + userId + "/quota", new JsonObject().put("monthly_tokens", 15).encode(),
        Http.bearer(fixture.adminKey));
    String body = "{\"model\":\"llama3.2\",\"max_tokens\":500,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    Http.Answer answer = http.post("/v1/chat/completions", body, Http.bearer(key));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    JsonObject usage = answer.json().getJsonObject("usage");
    assertThat(usage.getLong("total_tokens")).isLessThanOrEqualTo(15 + 8);
    assertThat(fixture.emulator.stats().lastRequest().body()).doesNotContain("\"max_tokens\":500");
    Http.Answer refused = http.post("/v1/chat/completions", body, Http.bearer(key));
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.json().getJsonObject("error").getString("message")).contains("15 tokens per month");
  }

  @Test
  void aGenerationWithoutACapIsForwardedWithTheOutputReserveAsItsCapAndTheRestOfItsBodyAsSent() {
    String key = key("uncapped", new JsonObject().put("tokens_per_minute", 1_000_000).put("requests_per_hour", 1000));
    String chat = "{ \"model\" : \"llama3.2\", \"stream\":false, \"keep_alive\":\"5m\",\n"
        + " \"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}] }\n";
    assertThat(http.post("/api/chat", chat, Http.bearer(key)).status()).isEqualTo(200);
    JsonObject forwarded = new JsonObject(fixture.emulator.stats().lastRequest().body());
    assertThat(forwarded.getJsonObject("options").getLong("num_predict")).as("QUOTA_OUTPUT_RESERVE").isEqualTo(20);
    assertThat(forwarded.copy().put("options", null)).isEqualTo(new JsonObject(chat).put("options", null));

    String openAi = "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.5}";
    assertThat(http.post("/v1/chat/completions", openAi, Http.bearer(key)).status()).isEqualTo(200);
    forwarded = new JsonObject(fixture.emulator.stats().lastRequest().body());
    assertThat(forwarded).isEqualTo(new JsonObject(openAi).put("max_tokens", 20));
  }

  @Test
  void aKeyMayHaveOnlySoManyRequestsUnderWay() throws Exception {
    String key = key("concurrent", new JsonObject().put("max_concurrent", 2).put("requests_per_hour", 1000));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      answers.add(client.sendAsync(HttpRequest.newBuilder(URI.create(GatewayFixture.url(fixture.gateway) + "/api/chat"))
          .header("Authorization", "Bearer " + key).header("X-Emulator-Interval-Ms", "150")
          .header("X-Emulator-Chunks", "8").POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    for (CompletableFuture<HttpResponse<String>> answer : answers) {
      HttpResponse<String> response = answer.get();
      if (response.statusCode() == 200) {
        ok++;
      } else {
        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.body()).contains("too many concurrent requests for this key (limit 2)");
      }
    }
    assertThat(ok).isEqualTo(2);
    assertThat(http.post("/api/chat", CHAT, Http.bearer(key)).status()).as("slots are freed at the end")
        .isEqualTo(200);
  }

  @Test
  void quotasAreValidatedAndShown() {
    long userId = fixture.user("shown", "user");
    Http.Answer negative = http.send("PUT", "/admin/api/users/" + userId + "/quota",
        new JsonObject().put("daily_tokens", -1).encode(), Http.bearer(fixture.adminKey));
    assertThat(negative.status()).isEqualTo(400);
    assertThat(negative.json().getString("field")).isEqualTo("daily_tokens");
    Http.Answer unknown = http.send("PUT", "/admin/api/users/" + userId + "/quota",
        new JsonObject().put("weekly_tokens", 5).encode(), Http.bearer(fixture.adminKey));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(http.send("PUT", "/admin/api/users/999999/quota", "{}", Http.bearer(fixture.adminKey)).status())
        .isEqualTo(404);
    http.send("PUT", "/admin/api/users/" + userId + "/quota",
        new JsonObject().put("daily_requests", 7).put("monthly_tokens", 1000).encode(), Http.bearer(fixture.adminKey));
    JsonObject quota = http.get("/admin/api/users/" + userId + "/quota", Http.bearer(fixture.adminKey)).json();
    assertThat(quota.getMap()).containsEntry("user_id", (int) userId).containsEntry("daily_requests", 7)
        .containsEntry("monthly_tokens", 1000).containsEntry("daily_tokens", null);
  }

  @Test
  void aKeyRevokedByTheCliIsRefusedWithinASecond() {
    long userId = fixture.user("revoked-by-cli", "user");
    JsonObject created = fixture.key(userId, "k", new JsonObject());
    String key = created.getString("key");
    assertThat(http.get("/api/version", Http.bearer(key)).status()).isEqualTo(200);
    Cli.Result revoked = Cli.run(Map.of("DATABASE_URL", fixture.database.url()), fixture.workDir, "keys", "revoke",
        String.valueOf(created.getLong("id")));
    assertThat(revoked.status()).as(revoked.err()).isZero();
    long start = System.nanoTime();
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5),
        () -> http.get("/api/version", Http.bearer(key)).status() == 401)).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void aKeySeesItsOwnUsageLimitsAndWhatIsLeft() {
    long userId = fixture.user("self", "user");
    String key = fixture.key(userId, "k", new JsonObject().put("requests_per_minute", 5).put("max_concurrent", 3))
        .getString("key");
    http.send("PUT", "/admin/api/users/" + userId + "/quota", new JsonObject().put("daily_tokens", 1000).encode(),
        Http.bearer(fixture.adminKey));
    Http.Answer chat = http.post("/api/chat", CHAT, Http.bearer(key));
    long spent = tokens(chat.json());
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> {
      GatewayFixture.await(fixture.gateway.usage().flush());
      JsonObject today = http.get("/api/stats", Http.bearer(key)).json().getJsonObject("usage")
          .getJsonObject("today");
      return today.getLong("total_tokens") == spent && today.getLong("requests") == 1;
    })).isTrue();

    Http.Answer stats = http.get("/api/stats", Http.bearer(key));
    assertThat(stats.status()).as(stats.body()).isEqualTo(200);
    JsonObject body = stats.json();
    assertThat(body.getString("user")).isEqualTo("self");
    assertThat(body.getJsonObject("usage").getJsonObject("today").getLong("total_tokens")).isEqualTo(spent);
    assertThat(body.getJsonObject("usage").getJsonObject("this_month").getLong("requests")).isEqualTo(1);
    assertThat(body.getLong("max_concurrent")).isEqualTo(3);
    Map<String, JsonObject> limits = new java.util.HashMap<>();
    body.getJsonArray("limits").forEach(l -> limits.put(((JsonObject) l).getString("limit"), (JsonObject) l));
    assertThat(limits.get("requests per minute").getLong("remaining")).isEqualTo(4);
    assertThat(limits.get("requests per hour").getLong("max")).as("the role's default").isEqualTo(3);
    assertThat(limits.get("tokens per day").getLong("remaining")).isEqualTo(1000 - spent);
    assertThat(limits.get("tokens per day").getString("scope")).isEqualTo("user");
    assertThat(http.get("/api/stats").status()).isEqualTo(401);
  }

  @Test
  void healthShowsTotalUsageToAnAdminOnly() {
    assertThat(http.post("/api/chat", CHAT, Http.bearer(fixture.adminKey)).status()).isEqualTo(200);
    // the answer may reach the client a moment before its usage is added on the gateway's event loop
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> {
      GatewayFixture.await(fixture.gateway.usage().flush());
      JsonObject today = http.get("/health", Http.bearer(fixture.adminKey)).json().getJsonObject("usage")
          .getJsonObject("today");
      return today.getLong("total_tokens") > 0 && today.getLong("requests") > 0;
    })).isTrue();
    JsonObject admin = http.get("/health", Http.bearer(fixture.adminKey)).json();
    assertThat(admin.getJsonObject("usage").getJsonObject("total").getLong("total_tokens")).isPositive();
    assertThat(admin.getJsonObject("usage").getJsonObject("today").getLong("requests")).isPositive();
    assertThat(http.get("/", Http.bearer(fixture.adminKey)).json().containsKey("usage")).isTrue();
    assertThat(http.get("/health").json().containsKey("usage")).isFalse();
    String user = key("not-admin", new JsonObject());
    assertThat(http.get("/health", Http.bearer(user)).json().containsKey("usage")).isFalse();
  }

  @Test
  void theRequestLogIsOffByDefault() {
    Http.Answer answer = http.get("/admin/api/requests", Http.bearer(fixture.adminKey));
    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.json().getString("error")).contains("REQUEST_LOG=true");
  }

  static long tokens(JsonObject nativeAnswer) {
    return nativeAnswer.getLong("prompt_eval_count", 0L) + nativeAnswer.getLong("eval_count", 0L);
  }
}
