package io.ollamagateway.limits;

import static io.ollamagateway.limits.LimitsEndToEndTest.CHAT;
import static io.ollamagateway.limits.LimitsEndToEndTest.CHAT_PROMPT;
import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.server.Gateway;
import io.ollamagateway.testing.Cli;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.RedisSupport;
import io.ollamagateway.testing.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three gateway instances sharing the real PostgreSQL (users, keys, usage) and the real Redis (counters), in
 * front of one emulator: one limit holds for all of them, and a change made through one reaches the others
 * through Redis pub/sub (the store poll is set too slow to do it here).
 */
class MultiInstanceLimitsTest {

  private static TestDatabase database;
  private static OllamaEmulator emulator;
  private static final List<Gateway> gateways = new ArrayList<>();
  private static final List<Http> https = new ArrayList<>();
  private static String adminKey;

  @BeforeAll
  static void start() throws Exception {
    Vertx probe = Vertx.vertx();
    try {
      RedisSupport.connect(probe).close(); // fails in CI, skips elsewhere, when Redis is missing
    } finally {
      probe.close();
    }
    database = TestDatabase.postgres();
    Path workDir = Files.createTempDirectory("gateway-multi-");
    Cli.Result bootstrap = Cli.run(Map.of("DATABASE_URL", database.url()), workDir,
        "keys", "create", "--admin", "--name", "bootstrap", "--json");
    assertThat(bootstrap.status()).as(bootstrap.err()).isZero();
    adminKey = new JsonObject(bootstrap.out()).getString("key");
    emulator = GatewayFixture.await(OllamaEmulator.start(EmulatorOptions.defaults()));
    String prefix = "ogw-test-" + UUID.randomUUID() + ":";
    for (int i = 0; i < 3; i++) {
      Map<String, String> settings = new HashMap<>(Map.of("OLLAMA_URL", emulator.url(), "DATABASE_URL",
          database.url(), "REDIS_URL", RedisSupport.URL, "REDIS_KEY_PREFIX", prefix, "QUOTA_OUTPUT_RESERVE", "20",
          "ACCESS_LOG", "false", "PROXY_AUTH_TOKEN", ""));
      // No store poll within the tests' time: a change can reach the other instances only through Redis.
      settings.put("IDENTITY_POLL_INTERVAL", "10m");
      Gateway gateway = GatewayFixture.startGateway(settings);
      gateways.add(gateway);
      https.add(new Http(gateway.port()));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (Gateway gateway : gateways) {
      GatewayFixture.await(gateway.stop(Duration.ZERO));
    }
    if (emulator != null) {
      GatewayFixture.await(emulator.stop());
    }
    if (database != null) {
      database.close();
    }
  }

  private static long user(String name) {
    Http.Answer created = https.get(0).post("/admin/api/users", new JsonObject().put("name", name).encode(),
        Http.bearer(adminKey));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json().getLong("id");
  }

  private static JsonObject key(long userId, JsonObject settings) {
    Http.Answer created = https.get(1).post("/admin/api/keys", new JsonObject().put("name", "k")
        .put("user_id", userId).mergeIn(settings).encode(), Http.bearer(adminKey));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json();
  }

  @Test
  void aKeysRequestLimitHoldsAcrossInstances() {
    String key = key(user("spread"), new JsonObject().put("requests_per_minute", 10)).getString("key");
    int ok = 0;
    for (int i = 0; i < 30; i++) {
      Http.Answer answer = https.get(i % 3).get("/api/version", Http.bearer(key));
      if (answer.status() == 200) {
        ok++;
      } else {
        assertThat(answer.status()).isEqualTo(429);
      }
    }
    assertThat(ok).as("10 requests per minute, whichever instance they reach").isEqualTo(10);
  }

  @Test
  void aDailyTokenQuotaHoldsUnderConcurrencyAcrossInstances() throws Exception {
    long userId = user("shared-quota");
    String key = key(userId, new JsonObject().put("requests_per_hour", 100_000)).getString("key");
    long quota = 400;
    assertThat(https.get(2).send("PUT", "/admin/api/users/" + userId + "/quota",
        new JsonObject().put("daily_tokens", quota).encode(), Http.bearer(adminKey)).status()).isEqualTo(200);
    long charged = 0;
    for (Http http : https) { // each instance learns the template overhead once
      Http.Answer first = http.post("/api/chat", CHAT, Http.bearer(key));
      assertThat(first.status()).as(first.body()).isEqualTo(200);
      charged += LimitsEndToEndTest.tokens(first.json());
    }
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      burst.add(client.sendAsync(HttpRequest.newBuilder(URI.create(GatewayFixture.url(gateways.get(i % 3))
              + "/api/chat")).header("Authorization", "Bearer " + key).header("X-Emulator-Interval-Ms", "5")
          .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    for (CompletableFuture<HttpResponse<String>> answer : burst) {
      HttpResponse<String> response = answer.get();
      if (response.statusCode() == 200) {
        ok++;
        charged += LimitsEndToEndTest.tokens(new JsonObject(response.body()));
      } else {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
      }
    }
    assertThat(ok).isGreaterThan(5);
    assertThat(charged).as("tokens charged by %d answers on three instances", ok + 3)
        .isLessThanOrEqualTo(quota + CHAT_PROMPT);
  }

  @Test
  void aRevocationThroughOneInstanceReachesTheOthersThroughRedisWithinASecond() {
    JsonObject created = key(user("revoked"), new JsonObject());
    String key = created.getString("key");
    for (Http http : https) {
      assertThat(http.get("/api/version", Http.bearer(key)).status()).isEqualTo(200);
    }
    assertThat(https.get(0).send("DELETE", "/admin/api/keys/" + created.getLong("id"), null, Http.bearer(adminKey))
        .status()).isEqualTo(200);
    long start = System.nanoTime();
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () ->
        https.get(1).get("/api/version", Http.bearer(key)).status() == 401
            && https.get(2).get("/api/version", Http.bearer(key)).status() == 401)).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
  }
}
