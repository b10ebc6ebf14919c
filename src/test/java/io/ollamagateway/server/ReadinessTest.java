package io.ollamagateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /ready}: the store answers and an upstream is in rotation, or 503 naming what is missing. The
 * details are for admins (anonymous callers get the status and what is missing: see HostileOperationsTest).
 */
class ReadinessTest {

  private static HttpResponse<String> ready(Gateway gateway) {
    return GatewayFixture.send(HttpRequest.newBuilder(URI.create(GatewayFixture.url(gateway) + "/ready"))
        .header("Authorization", "Bearer " + GatewayFixture.TOKEN)
        .timeout(Duration.ofSeconds(10)));
  }

  @Test
  void readyWhenTheStoreAnswersAndAnUpstreamIsHealthy() {
    try (GatewayFixture fx = GatewayFixture.start()) {
      HttpResponse<String> response = ready(fx.gateway());
      assertThat(response.statusCode()).isEqualTo(200);
      JsonObject body = new JsonObject(response.body());
      assertThat(body.getString("status")).isEqualTo("ready");
      assertThat(body.getJsonObject("store").getBoolean("ok")).isTrue();
      assertThat(body.getJsonObject("store").getString("kind")).isEqualTo("sqlite");
      assertThat(body.getJsonArray("upstreams").getJsonObject(0).getBoolean("healthy")).isTrue();
      assertThat(body.containsKey("missing")).isFalse();
    }
  }

  @Test
  void notReadyWithoutAReachableUpstream() {
    Gateway gateway = GatewayFixture.startGateway(Map.of("OLLAMA_URL",
        "http://127.0.0.1:" + GatewayFixture.closedPort()));
    try {
      HttpResponse<String> response = ready(gateway);
      assertThat(response.statusCode()).isEqualTo(503);
      JsonObject body = new JsonObject(response.body());
      assertThat(body.getString("status")).isEqualTo("not_ready");
      assertThat(body.getJsonArray("missing").getList()).containsExactly("upstream");
      assertThat(body.getJsonObject("store").getBoolean("ok")).isTrue();
      JsonObject upstream = body.getJsonArray("upstreams").getJsonObject(0);
      assertThat(upstream.getBoolean("healthy")).isFalse();
      assertThat(upstream.getString("error")).isNotBlank();
      // alive all the same: /health is the liveness check and stays 200
      assertThat(GatewayFixture.send(HttpRequest.newBuilder(URI.create(GatewayFixture.url(gateway) + "/health")))
          .statusCode()).isEqualTo(200);
    } finally {
      GatewayFixture.await(gateway.stop(Duration.ZERO));
    }
  }

  @Test
  void notReadyWhenTheStoreDoesNotAnswer() {
    try (GatewayFixture fx = GatewayFixture.start()) {
      assertThat(ready(fx.gateway()).statusCode()).isEqualTo(200);
      fx.gateway().database().close(); // the store goes away under the running gateway

      HttpResponse<String> response = ready(fx.gateway());
      assertThat(response.statusCode()).isEqualTo(503);
      JsonObject body = new JsonObject(response.body());
      assertThat(body.getJsonArray("missing").getList()).containsExactly("store");
      assertThat(body.getJsonObject("store").getBoolean("ok")).isFalse();
      assertThat(body.getJsonObject("store").getString("error")).isNotBlank();
    }
  }

  @Test
  void readyNeedsNoCredentialsAndShowsNoSecret() {
    try (GatewayFixture fx = GatewayFixture.start("OLLAMA_API_KEY", "upstream-secret-xyz")) {
      HttpResponse<String> response = GatewayFixture.send(fx.anonymous("/ready"));
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).doesNotContain("upstream-secret-xyz").doesNotContain(GatewayFixture.TOKEN);
    }
  }

  @Test
  void theApiDescriptionListsReady() {
    try (GatewayFixture fx = GatewayFixture.start()) {
      JsonObject doc = new JsonObject(GatewayFixture.send(fx.anonymous("/openapi.json")).body());
      assertThat(doc.getJsonObject("paths").getJsonObject("/ready").getJsonObject("get")
          .getJsonObject("responses").fieldNames()).containsExactlyInAnyOrder("200", "503");
    }
  }
}
