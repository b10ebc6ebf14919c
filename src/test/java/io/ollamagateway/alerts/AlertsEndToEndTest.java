package io.ollamagateway.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.TestDatabase;
import io.ollamagateway.server.Gateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Alerts through a running gateway, to a webhook server inside the test: a user's quota crossing 80% and 100%
 * as its requests are admitted, an upstream going down and coming back, and the delivery log of the admin API.
 */
class AlertsEndToEndTest {

  private static final String SECRET = "whsec-end-to-end-0001";
  private static final String CHAT = "{\"model\":\"llama3.2\",\"stream\":false,\"messages\":[{\"role\":\"user\","
      + "\"content\":\"hi\"}]}";

  @Test
  void aQuotaCrossingIsOneEventEachAndTheDeliveryLogShowsIt() throws Exception {
    try (WebhookReceiver receiver = new WebhookReceiver();
        IdentityFixture fixture = new IdentityFixture(TestDatabase.sqlite(), Map.of("WEBHOOK_URL", receiver.url(),
            "WEBHOOK_SECRET", SECRET, "WEBHOOK_EVENTS", "quota.warning,quota.exhausted"))) {
      long userId = fixture.user("alerted", "user");
      String key = fixture.key(userId, "k", new JsonObject()).getString("key");
      Http.Answer quota = fixture.http.send("PUT", "/admin/api/users/" + userId + "/quota",
          new JsonObject().put("daily_requests", 5).encode(), Http.bearer(fixture.adminKey));
      assertThat(quota.status()).as(quota.body()).isEqualTo(200);

      for (int i = 1; i <= 3; i++) {
        assertThat(fixture.http.post("/api/chat", CHAT, Http.bearer(key)).status()).isEqualTo(200);
      }
      GatewayFixture.sleep(300);
      assertThat(receiver.received).as("60% says nothing").isEmpty();
      assertThat(fixture.http.post("/api/chat", CHAT, Http.bearer(key)).status()).isEqualTo(200);
      assertThat(fixture.http.post("/api/chat", CHAT, Http.bearer(key)).status()).isEqualTo(200);
      assertThat(fixture.http.post("/api/chat", CHAT, Http.bearer(key)).status()).isEqualTo(429);
      assertThat(fixture.http.post("/api/chat", CHAT, Http.bearer(key)).status()).isEqualTo(429);

      assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> receiver.received.size() >= 2)).isTrue();
      GatewayFixture.sleep(300);
      assertThat(receiver.received).extracting(WebhookReceiver.Received::type)
          .containsExactly("quota.warning", "quota.exhausted");
      JsonObject warning = receiver.received.get(0).json().getJsonObject("data");
      assertThat(warning.getMap()).containsEntry("subject", "user:" + userId)
          .containsEntry("quota", "requests per day").containsEntry("used", 4).containsEntry("limit", 5);
      assertThat(Signature.verify(SECRET, receiver.received.get(1).headers().get(Signature.HEADER),
          receiver.received.get(1).body(), System.currentTimeMillis() / 1000, 300)).isTrue();

      Http.Answer hooks = fixture.http.get("/admin/api/webhooks", Http.bearer(fixture.adminKey));
      assertThat(hooks.status()).isEqualTo(200);
      assertThat(hooks.body()).doesNotContain(SECRET).doesNotContain("t0k3n");
      assertThat(hooks.array().getJsonObject(0).getString("url")).endsWith("/hooks/gateway");
      JsonArray deliveries = fixture.http.get("/admin/api/webhooks/deliveries", Http.bearer(fixture.adminKey))
          .array();
      assertThat(deliveries).hasSize(2);
      JsonObject newest = deliveries.getJsonObject(0);
      assertThat(newest.getMap()).containsEntry("type", "quota.exhausted").containsEntry("status", "delivered")
          .containsEntry("attempts", 1).containsEntry("last_status_code", 204).containsEntry("webhook", "default");

      Http.Answer retried = fixture.http.post("/admin/api/webhooks/deliveries/" + newest.getString("id")
          + "/retry", "", Http.bearer(fixture.adminKey));
      assertThat(retried.status()).isEqualTo(200);
      assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> receiver.received.size() == 3)).isTrue();
      assertThat(fixture.http.post("/admin/api/webhooks/deliveries/dlv_none/retry", "",
          Http.bearer(fixture.adminKey)).status()).isEqualTo(404);
      assertThat(fixture.http.get("/admin/api/webhooks/deliveries", Http.bearer(key)).status()).isEqualTo(403);
    }
  }

  @Test
  void aKeyPoolWithNoUsableKeyIsOneEvent() {
    OllamaEmulator emulator = GatewayFixture.await(OllamaEmulator.start(EmulatorOptions.defaults()
        .withKeys(java.util.Set.of("k-1", "k-2"), java.util.Set.of())));
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      Gateway gateway = GatewayFixture.startGateway(Map.of("OLLAMA_URL", emulator.url(), "OLLAMA_API_KEYS",
          "k-1,k-2", "KEY_COOLDOWN", "1h", "WEBHOOK_URL", receiver.url(), "WEBHOOK_SECRET", SECRET,
          "WEBHOOK_EVENTS", "key_pool.exhausted,key_pool.recovered"));
      try {
        Http http = new Http(gateway.port());
        for (int i = 0; i < 3; i++) {
          assertThat(http.post("/api/chat", CHAT, Http.bearer(GatewayFixture.TOKEN)).status()).isEqualTo(429);
        }
        assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> receiver.received.size() == 1)).isTrue();
        GatewayFixture.sleep(1500); // another sample or two: still one event
        assertThat(receiver.received).extracting(WebhookReceiver.Received::type)
            .containsExactly("key_pool.exhausted");
        assertThat(receiver.received.get(0).json().getJsonObject("data").getString("upstream")).isEqualTo("default");
      } finally {
        GatewayFixture.await(gateway.stop(Duration.ZERO));
      }
    } finally {
      GatewayFixture.await(emulator.stop());
    }
  }

  @Test
  void anUpstreamGoingDownAndComingBackIsTwoEvents() throws Exception {
    int port = IdentityFixture.freePort();
    EmulatorOptions options = EmulatorOptions.defaults().withListen("127.0.0.1", port, 1);
    OllamaEmulator emulator = GatewayFixture.await(OllamaEmulator.start(options));
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      Gateway gateway = GatewayFixture.startGateway(Map.of("OLLAMA_URL", emulator.url(), "HEALTH_CHECK_INTERVAL",
          "100ms", "WEBHOOK_URL", receiver.url(), "WEBHOOK_SECRET", SECRET));
      try {
        GatewayFixture.sleep(400);
        assertThat(receiver.received).as("healthy from the start: nothing to say").isEmpty();
        GatewayFixture.await(emulator.stop());
        assertThat(GatewayFixture.eventually(Duration.ofSeconds(10), () -> receiver.received.size() == 1)).isTrue();
        assertThat(receiver.received.get(0).type()).isEqualTo("upstream.down");
        assertThat(receiver.received.get(0).json().getJsonObject("data").getString("upstream"))
            .isEqualTo("default");
        emulator = GatewayFixture.await(OllamaEmulator.start(options));
        assertThat(GatewayFixture.eventually(Duration.ofSeconds(10), () -> receiver.received.size() == 2)).isTrue();
        GatewayFixture.sleep(300);
        assertThat(receiver.received).extracting(WebhookReceiver.Received::type)
            .containsExactly("upstream.down", "upstream.up");
      } finally {
        GatewayFixture.await(gateway.stop(Duration.ZERO));
      }
    } finally {
      GatewayFixture.await(emulator.stop());
    }
  }
}
