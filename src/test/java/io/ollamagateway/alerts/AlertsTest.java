package io.ollamagateway.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.config.ObservabilityConfig;
import io.ollamagateway.config.Settings;
import io.ollamagateway.testing.GatewayFixture;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Alerts on their own, against a receiving webhook server: one event per change of state, signed deliveries,
 * retries with backoff, the delivery log and an admin's retry.
 */
class AlertsTest {

  private static final String SECRET = "whsec-0123456789abcdef";

  private WebhookReceiver receiver;
  private Vertx vertx;
  private Alerts alerts;

  @BeforeEach
  void start() {
    receiver = new WebhookReceiver();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    GatewayFixture.await(alerts.close());
    GatewayFixture.await(vertx.close());
    receiver.close();
  }

  private Alerts alerts(String... settings) {
    Map<String, String> values = new java.util.HashMap<>(Map.of("WEBHOOK_URL", receiver.url(), "WEBHOOK_SECRET",
        SECRET, "WEBHOOK_RETRY_DELAY", "50ms", "WEBHOOK_MAX_ATTEMPTS", "3"));
    values.putAll(GatewayFixture.pairs(settings));
    alerts = new Alerts(vertx, ObservabilityConfig.from(Settings.of(values)), Clock.systemUTC(), "test");
    return alerts;
  }

  @Test
  void eachChangeOfStateIsOneSignedEvent() {
    alerts();
    alerts.upstreamHealth("cloud", true, null); // fine from the start: nothing to say
    alerts.upstreamHealth("cloud", false, "connection refused");
    alerts.upstreamHealth("cloud", false, "connection refused");
    alerts.upstreamHealth("cloud", true, null);
    alerts.keyPool("cloud", false);
    alerts.keyPool("cloud", false);
    alerts.usageWrites("usage", false, "database is locked");
    alerts.usageWrites("usage", false, "database is locked");

    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> receiver.received.size() >= 4)).isTrue();
    GatewayFixture.sleep(200);
    assertThat(receiver.received).extracting(WebhookReceiver.Received::type)
        .containsExactly("upstream.down", "upstream.up", "key_pool.exhausted", "usage.write_failed");
    WebhookReceiver.Received down = receiver.received.get(0);
    assertThat(down.json().getJsonObject("data").getMap()).containsEntry("upstream", "cloud")
        .containsEntry("reason", "connection refused");
    assertThat(down.json().getString("id")).startsWith("evt_");
    assertThat(down.headers().get("X-Gateway-Event")).isEqualTo("upstream.down");
    String signature = down.headers().get(Signature.HEADER);
    long now = System.currentTimeMillis() / 1000;
    assertThat(signature).matches("t=\\d+,v1=[0-9a-f]{64}");
    assertThat(Signature.verify(SECRET, signature, down.body(), now, 300)).isTrue();
    assertThat(Signature.verify("another-secret-0000", signature, down.body(), now, 300)).isFalse();
    assertThat(Signature.verify(SECRET, signature, down.body() + " ", now, 300)).isFalse();
    assertThat(Signature.verify(SECRET, signature, down.body(), now + 600, 300)).as("replayed later").isFalse();
  }

  @Test
  void aQuotaFiresAt80AndAt100PercentOncePerWindow() {
    alerts();
    for (long used = 1; used <= 12; used++) {
      alerts.quotas().quota("user:7", "requests per day", "2026-12-08T00:00:00Z", Math.min(used, 10), 10);
    }
    alerts.quotas().quota("user:7", "requests per day", "2026-12-09T00:00:00Z", 9, 10);
    alerts.quotas().quota("user:8", "tokens per month", "2027-01-01T00:00:00Z", 100, 100);

    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> receiver.received.size() >= 4)).isTrue();
    GatewayFixture.sleep(200);
    assertThat(receiver.received).extracting(WebhookReceiver.Received::type)
        .containsExactly("quota.warning", "quota.exhausted", "quota.warning", "quota.exhausted");
    assertThat(receiver.received.get(0).json().getJsonObject("data").getMap()).containsEntry("subject", "user:7")
        .containsEntry("quota", "requests per day").containsEntry("used", 8).containsEntry("limit", 10)
        .containsEntry("percent", 80);
  }

  @Test
  void aFailedDeliveryIsRetriedWithBackoffAndLogged() {
    receiver.failFirst.set(1);
    alerts();
    alerts.upstreamHealth("local", false, "HTTP 500");
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> receiver.received.size() == 2)).isTrue();
    assertThat(receiver.received.get(0).headers().get("X-Gateway-Delivery"))
        .isEqualTo(receiver.received.get(1).headers().get("X-Gateway-Delivery"));
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> delivered().size() == 1)).isTrue();
    Delivery delivery = GatewayFixture.await(alerts.deliveries()).get(0);
    assertThat(delivery.attempts()).isEqualTo(2);
    assertThat(delivery.lastStatusCode()).isEqualTo(204);
    assertThat(delivery.webhook()).isEqualTo("default");

    // out of attempts: failed, then an admin's retry sends it again
    receiver.failFirst.set(3);
    alerts.upstreamHealth("local", true, null);
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> GatewayFixture.await(alerts.deliveries())
        .get(0).status().equals("failed"))).isTrue();
    Delivery failed = GatewayFixture.await(alerts.deliveries()).get(0);
    assertThat(failed.attempts()).isEqualTo(3);
    assertThat(failed.lastError()).isEqualTo("HTTP 500");
    Delivery retried = GatewayFixture.await(alerts.retry(failed.id())).orElseThrow();
    assertThat(retried.status()).isEqualTo("delivered");
    assertThat(receiver.ofType("upstream.up")).hasSize(4);
  }

  @Test
  void aWebhookGetsOnlyTheEventsItAskedFor() {
    alerts("WEBHOOK_EVENTS", "upstream.up");
    alerts.upstreamHealth("local", false, "down");
    alerts.upstreamHealth("local", true, null);
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(5), () -> receiver.received.size() == 1)).isTrue();
    GatewayFixture.sleep(200);
    assertThat(receiver.received).extracting(WebhookReceiver.Received::type).containsExactly("upstream.up");
  }

  private List<Delivery> delivered() {
    return GatewayFixture.await(alerts.deliveries()).stream().filter(d -> d.status().equals("delivered")).toList();
  }
}
