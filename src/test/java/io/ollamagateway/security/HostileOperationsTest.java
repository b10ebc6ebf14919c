package io.ollamagateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.server.Gateway;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.LogCapture;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a stranger or an ordinary user can do to the gateway's operations, tried as an attacker would: make the
 * key pool disable itself, read internal addresses from /health and error bodies, forge the forwarded
 * headers, guess credentials as fast as the network allows. Each test runs its own gateway against the emulator.
 */
class HostileOperationsTest {

  private static final String KEY_ONE = "key-one-aaaaaaaaaaaa";
  private static final String KEY_TWO = "key-two-bbbbbbbbbbbb";
  private static final String CHAT_LLAMA = "{\"model\":\"llama3.2\",\"stream\":false,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String CHAT_QWEN = "{\"model\":\"qwen2.5:0.5b\",\"stream\":false,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  private static GatewayFixture cloud(String... settings) {
    String[] all = new String[settings.length + 4];
    all[0] = "OLLAMA_API_KEYS";
    all[1] = KEY_ONE + "," + KEY_TWO;
    all[2] = "HEALTH_CHECK_INTERVAL";
    all[3] = "1h";
    System.arraycopy(settings, 0, all, 4, settings.length);
    return GatewayFixture.start(all);
  }

  private static JsonArray keyStates(Http http) {
    Http.Answer answer = http.get("/admin/api/upstreams", Http.bearer(GatewayFixture.TOKEN));
    assertThat(answer.status()).isEqualTo(200);
    return answer.json().getJsonArray("upstreams").getJsonObject(0).getJsonArray("keys");
  }

  // ---------------------------------------------------------------------------------------------------------
  // upstream keys are disabled only on evidence

  @Test
  void aModelTheAccountMayNotUseIsAnsweredAsIsAndDisablesNoKey() {
    try (GatewayFixture fx = cloud()) {
      OllamaEmulator emulator = fx.emulator();
      emulator.refuseModel(null, "qwen2.5:0.5b"); // every key of the account: the model needs a subscription
      Http http = new Http(fx.port());
      long two = emulator.stats().requestsWithKey(KEY_TWO);

      for (int i = 0; i < 3; i++) {
        Http.Answer refused = http.post("/api/chat", CHAT_QWEN, Http.bearer(GatewayFixture.TOKEN));
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.json().getString("error")).contains("requires a subscription");
      }
      // not replayed on the other key
      assertThat(emulator.stats().requestsWithKey(KEY_TWO) - two).isZero();
      // and nothing was disabled: other models work, the gateway is ready
      assertThat(http.post("/api/chat", CHAT_LLAMA, Http.bearer(GatewayFixture.TOKEN)).status()).isEqualTo(200);
      for (Object key : keyStates(http)) {
        assertThat(((JsonObject) key).getString("state")).isEqualTo("available");
      }
      assertThat(http.get("/ready").status()).isEqualTo(200);
    }
  }

  @Test
  void aModelRefusedForOneKeyOnlyDisablesNothing() {
    try (GatewayFixture fx = cloud()) {
      fx.emulator().refuseModel(KEY_ONE, "qwen2.5:0.5b");
      Http http = new Http(fx.port());
      Http.Answer refused = http.post("/v1/chat/completions", CHAT_QWEN, Http.bearer(GatewayFixture.TOKEN));
      assertThat(refused.status()).as(refused.body()).isEqualTo(403);
      assertThat(refused.body()).contains("requires a subscription");
      assertThat(keyStates(http).getJsonObject(0).getString("state")).isEqualTo("available");
      assertThat(http.post("/api/chat", CHAT_LLAMA, Http.bearer(GatewayFixture.TOKEN)).status()).isEqualTo(200);
    }
  }

  @Test
  void aRevokedKeyIsDisabledAndWhenNoKeyIsLeftTheGatewayIsNotReady() {
    try (GatewayFixture fx = cloud()) {
      OllamaEmulator emulator = fx.emulator();
      Http http = new Http(fx.port());
      emulator.revokeKey(KEY_ONE);
      // the check with the key alone confirms it is bad: disabled, and the request goes to the other key
      assertThat(http.post("/api/chat", CHAT_LLAMA, Http.bearer(GatewayFixture.TOKEN)).status()).isEqualTo(200);
      assertThat(keyStates(http).getJsonObject(0).getString("state")).isEqualTo("disabled");
      assertThat(http.get("/ready").status()).isEqualTo(200);

      emulator.revokeKey(KEY_TWO);
      Http.Answer none = http.post("/api/chat", CHAT_LLAMA, Http.bearer(GatewayFixture.TOKEN));
      assertThat(none.status()).isEqualTo(502);
      assertThat(keyStates(http).getJsonObject(1).getString("state")).isEqualTo("disabled");

      Http.Answer anonymous = http.get("/ready");
      assertThat(anonymous.status()).isEqualTo(503);
      assertThat(anonymous.json().getJsonArray("missing").getList()).contains("upstream_keys");
      assertThat(anonymous.body()).doesNotContain("401").doesNotContain("127.0.0.1");
      Http.Answer admin = http.get("/ready", Http.bearer(GatewayFixture.TOKEN));
      assertThat(admin.status()).isEqualTo(503);
      assertThat(admin.body()).contains("default").contains("401");
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // nothing internal to strangers

  @Test
  void anonymousHealthShowsStatusOnlyAndAdminsSeeTheDetails() {
    try (GatewayFixture fx = GatewayFixture.start()) {
      Http http = new Http(fx.port());
      Http.Answer anonymous = http.get("/health");
      assertThat(anonymous.status()).isEqualTo(200);
      assertThat(anonymous.json().getString("status")).isEqualTo("ok");
      assertThat(anonymous.body()).doesNotContain(fx.emulator().url()).doesNotContain("127.0.0.1")
          .doesNotContain("upstreams").doesNotContain("version");
      Http.Answer wrong = http.get("/health", Http.bearer("not-the-token-at-all"));
      assertThat(wrong.body()).doesNotContain("127.0.0.1").doesNotContain("upstreams");

      Http.Answer admin = http.get("/health", Http.bearer(GatewayFixture.TOKEN));
      assertThat(admin.status()).isEqualTo(200);
      assertThat(admin.json().getJsonArray("upstreams").getJsonObject(0).getString("url"))
          .isEqualTo(fx.emulator().url());
      assertThat(admin.json().getString("version")).isNotBlank();
    }
  }

  @Test
  void anonymousHealthOfABrokenUpstreamSaysDegradedWithoutItsError() {
    int closed = GatewayFixture.closedPort();
    Gateway gateway = GatewayFixture.startGateway(Map.of("OLLAMA_URL", "http://127.0.0.1:" + closed));
    try {
      Http http = new Http(gateway.port());
      Http.Answer anonymous = http.get("/health");
      assertThat(anonymous.json().getString("status")).isEqualTo("degraded");
      assertThat(anonymous.body()).doesNotContain(String.valueOf(closed)).doesNotContain("refused");
      Http.Answer ready = http.get("/ready");
      assertThat(ready.status()).isEqualTo(503);
      assertThat(ready.body()).doesNotContain(String.valueOf(closed)).doesNotContain("refused");
    } finally {
      GatewayFixture.await(gateway.stop(Duration.ZERO));
    }
  }

  @Test
  void errorBodiesNameTheUpstreamNeverItsUrl() {
    int closed = GatewayFixture.closedPort();
    Gateway gateway = GatewayFixture.startGateway(Map.of("OLLAMA_URL", "http://127.0.0.1:" + closed));
    try {
      Http http = new Http(gateway.port());
      for (String path : new String[] {"/api/chat", "/v1/chat/completions"}) {
        Http.Answer answer = http.post(path, CHAT_LLAMA, Http.bearer(GatewayFixture.TOKEN));
        assertThat(answer.status()).isEqualTo(502);
        assertThat(answer.body()).contains("'default'").doesNotContain("127.0.0.1")
            .doesNotContain(String.valueOf(closed)).doesNotContain("http://");
      }
      Http.Answer tags = http.get("/api/tags", Http.bearer(GatewayFixture.TOKEN));
      assertThat(tags.status()).isEqualTo(502);
      assertThat(tags.body()).doesNotContain("127.0.0.1").doesNotContain(String.valueOf(closed));
    } finally {
      GatewayFixture.await(gateway.stop(Duration.ZERO));
    }
  }

  @Test
  void forwardedHeadersAreSetFromTheRealPeer() {
    try (GatewayFixture fx = GatewayFixture.start()) {
      FromAddress.Answer answer = FromAddress.send("127.0.0.7", fx.port(), "POST", "/api/chat", CHAT_LLAMA,
          "Authorization: Bearer " + GatewayFixture.TOKEN, "X-Forwarded-For: 6.6.6.6",
          "Forwarded: for=6.6.6.6;proto=https", "X-Real-IP: 6.6.6.6", "X-Forwarded-Proto: https",
          "X-Forwarded-Host: evil.example");
      assertThat(answer.status()).isEqualTo(200);
      MultiMap seen = fx.emulator().stats().lastRequest().headers();
      assertThat(seen.getAll("X-Forwarded-For")).containsExactly("127.0.0.7");
      assertThat(seen.getAll("X-Real-IP")).containsExactly("127.0.0.7");
      assertThat(seen.getAll("X-Forwarded-Proto")).containsExactly("http");
      assertThat(seen.getAll("Forwarded")).hasSize(1);
      assertThat(seen.get("Forwarded")).contains("for=127.0.0.7").doesNotContain("6.6.6.6");
      assertThat(seen.contains("X-Forwarded-Host")).isFalse();
    }
  }

  @Test
  void aTrustedProxysChainIsKept() {
    try (GatewayFixture fx = GatewayFixture.start("TRUSTED_PROXIES", "127.0.0.8/32, 10.0.0.0/8")) {
      FromAddress.send("127.0.0.8", fx.port(), "POST", "/api/chat", CHAT_LLAMA,
          "Authorization: Bearer " + GatewayFixture.TOKEN, "X-Forwarded-For: 6.6.6.6, 10.1.2.3",
          "X-Forwarded-Proto: https");
      MultiMap seen = fx.emulator().stats().lastRequest().headers();
      assertThat(seen.get("X-Forwarded-For")).isEqualTo("6.6.6.6, 10.1.2.3, 127.0.0.8");
      assertThat(seen.get("X-Real-IP")).isEqualTo("6.6.6.6"); // 10.1.2.3 is a trusted proxy too
      assertThat(seen.get("X-Forwarded-Proto")).isEqualTo("https");

      // the same headers from a peer that is not trusted are replaced
      FromAddress.send("127.0.0.9", fx.port(), "POST", "/api/chat", CHAT_LLAMA,
          "Authorization: Bearer " + GatewayFixture.TOKEN, "X-Forwarded-For: 6.6.6.6, 10.1.2.3");
      seen = fx.emulator().stats().lastRequest().headers();
      assertThat(seen.get("X-Forwarded-For")).isEqualTo("127.0.0.9");
      assertThat(seen.get("X-Real-IP")).isEqualTo("127.0.0.9");
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // failed authentication is throttled, per real client address

  @Test
  void failedAuthenticationIsThrottledPerAddressAndLoggedOncePerBurst() {
    // the default limit (the fixture turns it off)
    try (GatewayFixture fx = GatewayFixture.start("AUTH_FAILURE_LIMIT", ""); LogCapture logs = new LogCapture()) {
      int port = fx.port();
      int throttled = 0;
      String retryAfter = null;
      for (int i = 0; i < 30; i++) {
        // a different X-Forwarded-For each time: from a peer that is not a trusted proxy it changes nothing
        FromAddress.Answer answer = FromAddress.send("127.0.0.11", port, "POST", "/api/chat", CHAT_LLAMA,
            "Authorization: Bearer wrong-guess-" + i, "X-Forwarded-For: 203.0.113." + i);
        assertThat(answer.status()).isIn(401, 429);
        if (answer.status() == 429) {
          throttled++;
          retryAfter = answer.header("Retry-After");
        }
      }
      assertThat(throttled).as("refused with 429 after a burst").isGreaterThanOrEqualTo(15);
      assertThat(retryAfter).isNotNull();
      assertThat(Long.parseLong(retryAfter)).isPositive();
      // during the cool-down the address is refused whatever it sends, the right token too
      assertThat(FromAddress.send("127.0.0.11", port, "GET", "/api/tags", null,
          "Authorization: Bearer " + GatewayFixture.TOKEN).status()).isEqualTo(429);
      // another address is not
      assertThat(FromAddress.send("127.0.0.12", port, "GET", "/api/tags", null,
          "Authorization: Bearer " + GatewayFixture.TOKEN).status()).isEqualTo(200);
      // the admin API and the status routes count the same failures
      assertThat(FromAddress.send("127.0.0.11", port, "GET", "/admin/api/users", null,
          "Authorization: Bearer " + GatewayFixture.TOKEN).status()).isEqualTo(429);

      long lines = logs.text().lines().filter(l -> !l.startsWith("access ")).filter(l -> l.contains("127.0.0.11")
          || l.toLowerCase().contains("authentication failed")).count();
      assertThat(lines).as(logs.text()).isBetween(1L, 3L);
    }
  }

  @Test
  void settingPasswordsHashesAFewAtATimeAndRefusesTheRestAtOnce() throws Exception {
    try (GatewayFixture fx = GatewayFixture.start()) {
      Http http = new Http(fx.port());
      Http.Answer user = http.post("/admin/api/users", "{\"name\":\"alice\",\"role\":\"admin\"}",
          Http.bearer(GatewayFixture.TOKEN));
      assertThat(user.status()).as(user.body()).isEqualTo(201);
      String path = "/admin/api/users/" + user.json().getLong("id") + "/password";
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
      try {
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.List<java.util.concurrent.Future<Http.Answer>> answers = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
          String body = "{\"password\":\"correct horse battery " + i + "\"}";
          answers.add(pool.submit(() -> {
            go.await();
            return http.send("PUT", path, body, Http.bearer(GatewayFixture.TOKEN));
          }));
        }
        go.countDown();
        int refused = 0;
        for (java.util.concurrent.Future<Http.Answer> future : answers) {
          Http.Answer answer = future.get();
          assertThat(answer.status()).as(answer.body()).isIn(204, 429);
          if (answer.status() == 429) {
            refused++;
            assertThat(answer.header("Retry-After")).isEqualTo("1");
          }
        }
        assertThat(refused).as("beyond the few hashed at once").isPositive();
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aShortProxyTokenIsWarnedAboutWithoutPrintingIt() {
    try (LogCapture logs = new LogCapture()) {
      Gateway gateway = GatewayFixture.startGateway(Map.of("PROXY_AUTH_TOKEN", "tiny-s3cret",
          "OLLAMA_URL", "http://127.0.0.1:" + GatewayFixture.closedPort()));
      GatewayFixture.await(gateway.stop(Duration.ZERO));
      assertThat(logs.text()).contains("PROXY_AUTH_TOKEN").containsIgnoringCase("shorter than 16")
          .doesNotContain("tiny-s3cret");
    }
    try (LogCapture logs = new LogCapture()) {
      Gateway gateway = GatewayFixture.startGateway(Map.of("OLLAMA_URL",
          "http://127.0.0.1:" + GatewayFixture.closedPort()));
      GatewayFixture.await(gateway.stop(Duration.ZERO));
      assertThat(logs.text()).doesNotContainIgnoringCase("shorter than 16");
    }
  }
}
