package io.ollamagateway.limits;

import static io.ollamagateway.limits.LimitsEndToEndTest.CHAT;
import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.server.Gateway;
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
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 22's quotas as a client meets them, on one store and counter setup per subclass: a quota survives a
 * restart and counts usage from before it was set, every token-bearing field is charged before forwarding,
 * one tenant cannot change another's admission, a cold burst overshoots by at most one request. Users and
 * quotas are made through the admin API, prompts counted by the emulator as a chat template would. In a fixed
 * order: the tests whose requests would poison a calibration shared by all tenants (a large tools list) go
 * after the others, the tenant test last, so that on such a gateway each test fails for its own reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class QuotasContract {

  /** A model whose template adds a system prompt of its own (24 tokens in the emulator). */
  static final String CODER = "qwen2.5-coder:1.5b";

  TestDatabase database;
  OllamaEmulator emulator;
  Gateway gateway;
  Http http;
  String adminKey;

  /** A fresh store for this class. */
  abstract TestDatabase database();

  /** Settings beyond the store and the emulator (Redis, for one). */
  abstract Map<String, String> settings();

  /** What else a restart loses, between stopping the gateway and starting it again: nothing by default. */
  void whileStopped() {
  }

  /** Stops the gateway (its usage is written) and starts it again on the same store. */
  void restart() {
    GatewayFixture.await(gateway.stop(Duration.ZERO));
    whileStopped();
    startGateway();
  }

  @BeforeAll
  void start() throws Exception {
    database = database();
    adminKey = IdentityFixture.bootstrapAdminKey(database, Files.createTempDirectory("quotas-"));
    EmulatorOptions defaults = EmulatorOptions.defaults();
    List<String> models = new ArrayList<>(EmulatorOptions.DEFAULT_MODELS);
    models.add(CODER);
    emulator = GatewayFixture.await(OllamaEmulator.start(new EmulatorOptions(defaults.host(), defaults.port(),
        defaults.ttft(), defaults.chunks(), defaults.interval(), defaults.failAfter(), models,
        defaults.rateLimitedKeys(), defaults.requiredKeys(), defaults.eventLoops())));
    startGateway();
  }

  private void startGateway() {
    gateway = GatewayFixture.startGateway(gatewaySettings());
    http = new Http(gateway.port());
  }

  /** The settings of this class's gateway: on the store, in front of the emulator, with {@link #settings()}. */
  Map<String, String> gatewaySettings() {
    Map<String, String> values = new HashMap<>(Map.of("OLLAMA_URL", emulator.url(), "DATABASE_URL", database.url(),
        "QUOTA_OUTPUT_RESERVE", "20", "ACCESS_LOG", "false", "PROXY_AUTH_TOKEN", "",
        "REQUESTS_PER_HOUR_USER", "100000"));
    values.putAll(settings());
    return values;
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      GatewayFixture.await(gateway.stop(Duration.ZERO));
    }
    if (emulator != null) {
      GatewayFixture.await(emulator.stop());
    }
    if (database != null) {
      database.close();
    }
  }

  String keyFor(long userId) {
    Http.Answer key = http.post("/admin/api/keys", new JsonObject().put("name", "k").put("user_id", userId).encode(),
        Http.bearer(adminKey));
    assertThat(key.status()).as(key.body()).isEqualTo(201);
    return key.json().getString("key");
  }

  long userOf(String name) {
    Http.Answer user = http.post("/admin/api/users", new JsonObject().put("name", name).encode(),
        Http.bearer(adminKey));
    assertThat(user.status()).as(user.body()).isEqualTo(201);
    return user.json().getLong("id");
  }

  void dailyTokens(long userId, long quota) {
    quota(userId, new JsonObject().put("daily_tokens", quota));
  }

  /** Sets a user's quotas: the fields of {@code quota}, every other one unlimited. */
  void quota(long userId, JsonObject quota) {
    Http.Answer set = http.send("PUT", "/admin/api/users/" + userId + "/quota", quota.encode(),
        Http.bearer(adminKey));
    assertThat(set.status()).as(set.body()).isEqualTo(200);
  }

  /** Sends {@code count} chats and asserts each answer's status. */
  void chats(String key, int count, int status) {
    for (int i = 0; i < count; i++) {
      Http.Answer answer = http.post("/api/chat", CHAT, Http.bearer(key));
      assertThat(answer.status()).as("request " + (i + 1) + " of " + count + ": " + answer.body()).isEqualTo(status);
    }
  }

  /** Restarts the gateway and asserts that the next chat with {@code key} is still refused, naming {@code quota}. */
  void stillRefusedAfterARestart(String key, String quota) {
    restart();
    Http.Answer after = http.post("/api/chat", CHAT, Http.bearer(key));
    assertThat(after.status()).as("after a restart: " + after.body()).isEqualTo(429);
    assertThat(after.body()).contains(quota);
  }

  static long tokens(JsonObject answer) {
    return answer.getLong("prompt_eval_count", 0L) + answer.getLong("eval_count", 0L);
  }

  @Test
  @Order(1)
  void aUsedUpDailyQuotaIsStillUsedUpAfterARestart() {
    long userId = userOf("restart");
    String key = keyFor(userId);
    dailyTokens(userId, 100);
    int ok = 0;
    while (ok < 20 && http.post("/api/chat", CHAT, Http.bearer(key)).status() == 200) {
      ok++;
    }
    assertThat(ok).as("the quota is used up after a few requests").isBetween(1, 10);
    assertThat(http.post("/api/chat", CHAT, Http.bearer(key)).status()).isEqualTo(429);

    stillRefusedAfterARestart(key, "100 tokens per day");
  }

  @Test
  @Order(2)
  void usageFromBeforeTheQuotaWasSetCounts() {
    long userId = userOf("before");
    String key = keyFor(userId);
    long used = 0;
    for (int i = 0; i < 3; i++) {
      Http.Answer answer = http.post("/api/chat", CHAT, Http.bearer(key));
      assertThat(answer.status()).isEqualTo(200);
      used += tokens(answer.json());
    }
    assertThat(used).isEqualTo(60);
    dailyTokens(userId, 70);
    Http.Answer refused = http.post("/api/chat", CHAT, Http.bearer(key));
    assertThat(refused.status()).as("60 of 70 tokens were used before the quota: " + refused.body())
        .isEqualTo(429);
  }

  @Test
  @Order(7)
  void aUsedUpDailyRequestQuotaIsStillUsedUpAfterARestart() {
    long userId = userOf("requests-restart");
    String key = keyFor(userId);
    quota(userId, new JsonObject().put("daily_requests", 3));
    chats(key, 3, 200);
    Http.Answer refused = http.post("/api/chat", CHAT, Http.bearer(key));
    assertThat(refused.status()).as(refused.body()).isEqualTo(429);

    stillRefusedAfterARestart(key, "3 requests per day");
    assertThat(http.get("/api/tags", Http.bearer(key)).status()).as("every route counts").isEqualTo(429);
  }

  @Test
  @Order(7)
  void aPromptWithTheTokenizersSpecialTokensIsEstimatedAsText() {
    long userId = userOf("special-tokens");
    String key = keyFor(userId);
    quota(userId, new JsonObject().put("daily_tokens", 10_000));
    String chat = new JsonObject().put("model", "llama3.2").put("stream", false).put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "<|endoftext|> <|im_start|>system<|fim_prefix|>")))
        .encode();
    Http.Answer answer = http.post("/api/chat", chat, Http.bearer(key));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
  }

  @Test
  @Order(7)
  void aUsedUpMonthlyRequestQuotaAloneIsStillUsedUpAfterARestart() {
    long userId = userOf("monthly-requests");
    String key = keyFor(userId);
    chats(key, 1, 200); // before the quota: counts
    quota(userId, new JsonObject().put("monthly_requests", 3));
    chats(key, 2, 200);
    Http.Answer refused = http.post("/api/chat", CHAT, Http.bearer(key));
    assertThat(refused.status()).as(refused.body()).isEqualTo(429);
    assertThat(refused.body()).contains("3 requests per month");

    stillRefusedAfterARestart(key, "3 requests per month");
  }

  @Test
  @Order(7)
  void aUsedUpMonthlyTokenQuotaAloneIsStillUsedUpAfterARestart() {
    long userId = userOf("monthly-tokens");
    String key = keyFor(userId);
    chats(key, 2, 200); // 40 tokens before the quota
    quota(userId, new JsonObject().put("monthly_tokens", 50));
    Http.Answer refused = http.post("/api/chat", CHAT, Http.bearer(key));
    assertThat(refused.status()).as("40 of 50 tokens used: " + refused.body()).isEqualTo(429);
    assertThat(refused.body()).contains("50 tokens per month");

    stillRefusedAfterARestart(key, "50 tokens per month");
  }

  @Test
  @Order(7)
  void aUsedUpHourlyRequestLimitOfAKeyIsStillUsedUpAfterARestart() {
    long userId = userOf("hourly-restart");
    Http.Answer created = http.post("/admin/api/keys", new JsonObject().put("name", "hourly").put("user_id", userId)
        .put("requests_per_hour", 2).encode(), Http.bearer(adminKey));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String key = created.json().getString("key");
    chats(key, 2, 200);
    chats(key, 1, 429);

    stillRefusedAfterARestart(key, "2 requests per hour");
  }

  @Test
  @Order(7)
  void refusedRequestsDoNotCountAgainstARequestQuota() {
    long userId = userOf("requests-refused");
    String key = keyFor(userId);
    quota(userId, new JsonObject().put("daily_requests", 3));
    chats(key, 3, 200);
    chats(key, 2, 429);

    restart(); // the counter comes from the store: 3 requests admitted, 5 made
    quota(userId, new JsonObject().put("daily_requests", 5));
    chats(key, 2, 200);
    chats(key, 1, 429);
  }

  @Test
  @Order(7)
  void requestsAdmittedBeforeARequestQuotaWasSetCount() {
    long userId = userOf("requests-before");
    String key = keyFor(userId);
    chats(key, 2, 200);
    assertThat(http.get("/api/tags", Http.bearer(key)).status()).isEqualTo(200);
    quota(userId, new JsonObject().put("daily_requests", 4));
    chats(key, 1, 200);
    Http.Answer refused = http.post("/api/chat", CHAT, Http.bearer(key));
    assertThat(refused.status()).as("3 of 4 requests were made before the quota: " + refused.body())
        .isEqualTo(429);
    assertThat(refused.body()).contains("4 requests per day");
  }

  @Test
  @Order(7)
  void aRequestQuotaRemovedAndSetAgainSeesTheRequestsInBetween() {
    long userId = userOf("requests-reset");
    String key = keyFor(userId);
    quota(userId, new JsonObject().put("daily_requests", 5).put("monthly_requests", 100));
    chats(key, 2, 200);
    quota(userId, new JsonObject().put("monthly_requests", 100)); // no daily quota for a while
    chats(key, 2, 200);
    quota(userId, new JsonObject());
    chats(key, 1, 200);
    quota(userId, new JsonObject().put("daily_requests", 6).put("monthly_requests", 6));
    chats(key, 1, 200);
    Http.Answer refused = http.post("/api/chat", CHAT, Http.bearer(key));
    assertThat(refused.status()).as("5 requests were made while the quota was away: " + refused.body())
        .isEqualTo(429);
  }

  @Test
  @Order(4)
  void a200KbToolsListCannotPassA2000TokenQuota() {
    long userId = userOf("tools");
    String key = keyFor(userId);
    dailyTokens(userId, 2_000);
    JsonArray tools = new JsonArray();
    int size = 2;
    while (size < 200_000) {
      JsonObject tool = new JsonObject().put("type", "function").put("function", new JsonObject()
          .put("name", "tool_" + tools.size()).put("description", "looks up the weather of a city by its name")
          .put("parameters", new JsonObject().put("type", "object").put("properties", new JsonObject()
              .put("city", new JsonObject().put("type", "string")))));
      tools.add(tool);
      size += tool.encode().length() + 1;
    }
    String body = new JsonObject().put("model", "llama3.2").put("stream", false).put("tools", tools)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))).encode();
    long before = emulator.stats().requests();
    Http.Answer answer = http.post("/api/chat", body, Http.bearer(key));
    assertThat(answer.status()).as(answer.body()).isEqualTo(429);
    assertThat(answer.body()).contains("2000 tokens per day");
    assertThat(emulator.stats().requests()).as("refused before forwarding").isEqualTo(before);
    assertThat(http.post("/api/chat", CHAT, Http.bearer(key)).status()).as("nothing was charged").isEqualTo(200);
  }

  @Test
  @Order(10) // last: see the class comment
  void oneTenantsRequestDoesNotChangeAnothersAdmission() {
    long heavyId = userOf("heavy");
    String heavy = keyFor(heavyId);
    dailyTokens(heavyId, 10_000_000);
    JsonArray tools = new JsonArray();
    for (int i = 0; i < 100; i++) {
      tools.add(new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "t" + i)
          .put("description", "a tool whose schema the template renders into the prompt")));
    }
    // a short message with a large tools list: a ratio learned from it would inflate every estimate
    String body = new JsonObject().put("model", "llama3.2").put("stream", false).put("tools", tools)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))).encode();
    for (int i = 0; i < 3; i++) {
      assertThat(http.post("/api/chat", body, Http.bearer(heavy)).status()).isEqualTo(200);
    }
    long lightId = userOf("light");
    String light = keyFor(lightId);
    dailyTokens(lightId, 1_000);
    Http.Answer answer = http.post("/api/chat", CHAT, Http.bearer(light));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(Long.parseLong(answer.header("X-RateLimit-Remaining"))).as("reserved as a fresh tenant")
        .isGreaterThan(1_000 - 60);
  }

  @Test
  @Order(5)
  void aColdBurstOnANeverSeenModelOvershootsByAtMostOneRequest() throws Exception {
    long userId = userOf("burst");
    String key = keyFor(userId);
    long quota = 200;
    dailyTokens(userId, quota);
    // qwen2.5-coder's template adds a system prompt the estimate cannot see: each answer costs 44 tokens,
    // about three times what a fresh estimate reserves
    String chat = CHAT.replace("llama3.2", CODER);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      burst.add(client.sendAsync(HttpRequest.newBuilder(URI.create(GatewayFixture.url(gateway) + "/api/chat"))
          .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofString(chat)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    long charged = 0;
    long largest = 0;
    int ok = 0;
    for (CompletableFuture<HttpResponse<String>> answer : burst) {
      HttpResponse<String> response = answer.get();
      if (response.statusCode() == 200) {
        ok++;
        long cost = tokens(new JsonObject(response.body()));
        charged += cost;
        largest = Math.max(largest, cost);
      } else {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
      }
    }
    assertThat(ok).isPositive();
    assertThat(charged).as(ok + " admitted").isLessThanOrEqualTo(quota + largest);
  }
}
