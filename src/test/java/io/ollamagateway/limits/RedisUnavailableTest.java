package io.ollamagateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.TestDatabase;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the Redis of REDIS_URL does not answer, LIMITS_FAIL_OPEN decides, and the client is told why. */
class RedisUnavailableTest {

  private static final String CHAT = LimitsEndToEndTest.CHAT;

  @Test
  void limitedCallersAreRefusedWith503ByDefault() throws Exception {
    try (IdentityFixture fixture = new IdentityFixture(TestDatabase.sqlite(),
        Map.of("REDIS_URL", "redis://127.0.0.1:" + GatewayFixture.closedPort()))) {
      long seen = fixture.emulator.stats().requests();
      Http.Answer nativeAnswer = fixture.http.post("/api/chat", CHAT, Http.bearer(fixture.adminKey));
      assertThat(nativeAnswer.status()).isEqualTo(503);
      assertThat(nativeAnswer.json().getString("error")).contains("usage limits cannot be checked right now",
          "the limits store (Redis) does not answer");
      assertThat(nativeAnswer.header("Retry-After")).isEqualTo("5");
      Http.Answer openAi = fixture.http.post("/v1/chat/completions", CHAT, Http.bearer(fixture.adminKey));
      assertThat(openAi.status()).isEqualTo(503);
      assertThat(openAi.json().getJsonObject("error").getString("message")).contains("Redis");
      assertThat(fixture.emulator.stats().requests()).as("nothing was forwarded").isEqualTo(seen);
    }
  }

  @Test
  void withFailOpenTheyAreLetThrough() throws Exception {
    try (IdentityFixture fixture = new IdentityFixture(TestDatabase.sqlite(),
        Map.of("REDIS_URL", "redis://127.0.0.1:" + GatewayFixture.closedPort(), "LIMITS_FAIL_OPEN", "true"))) {
      assertThat(fixture.http.post("/api/chat", CHAT, Http.bearer(fixture.adminKey)).status()).isEqualTo(200);
      long userId = fixture.user("quota-while-redis-is-down", "user");
      String key = fixture.key(userId, "k", new io.vertx.core.json.JsonObject()).getString("key");
      fixture.http.send("PUT", "/admin/api/users/" + userId + "/quota", "{\"daily_tokens\": 1000}",
          Http.bearer(fixture.adminKey));
      Http.Answer answer = fixture.http.post("/api/chat", CHAT, Http.bearer(key));
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.json().getLong("eval_count")).as("the answer is not cut short").isEqualTo(10L);
    }
  }

  @Test
  void callersWithoutLimitsAreNotHeldUpByIt() throws Exception {
    try (IdentityFixture fixture = new IdentityFixture(TestDatabase.sqlite(),
        Map.of("REDIS_URL", "redis://127.0.0.1:" + GatewayFixture.closedPort(), "REQUESTS_PER_HOUR_ADMIN", "0"))) {
      // their usage is counted in Redis windows that may exist (a quota removed): counting is not a limit
      Http.Answer answer = fixture.http.post("/api/chat", CHAT, Http.bearer(fixture.adminKey));
      assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }
  }
}
