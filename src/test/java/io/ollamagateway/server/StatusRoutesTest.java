package io.ollamagateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gateway's own status routes, open to anyone; their details are for admins. */
class StatusRoutesTest {

  private static GatewayFixture fx;

  @BeforeAll
  static void start() {
    fx = GatewayFixture.start();
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  @Test
  void healthReportsAReachableUpstream() {
    HttpResponse<String> anonymous = GatewayFixture.send(fx.anonymous("/health"));
    assertThat(anonymous.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(anonymous.body()).fieldNames()).containsExactly("status"); // details for admins

    HttpResponse<String> response = GatewayFixture.send(fx.request("/health"));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject health = new JsonObject(response.body());
    assertThat(health.getString("status")).isEqualTo("ok");
    assertThat(health.getString("version")).isNotBlank();
    assertThat(health.getLong("uptime_seconds")).isNotNull().isGreaterThanOrEqualTo(0);
    JsonObject upstream = health.getJsonArray("upstreams").getJsonObject(0);
    assertThat(upstream.getBoolean("reachable")).isTrue();
    assertThat(upstream.getString("name")).isEqualTo("default");
    assertThat(upstream.getString("url")).isEqualTo(fx.emulator().url());
    assertThat(health.getJsonArray("upstreams")).hasSize(1);
  }

  @Test
  void healthReportsAnUnreachableUpstreamAsDegraded() {
    Gateway down = GatewayFixture.startGateway(Map.of("OLLAMA_URL",
        "http://127.0.0.1:" + GatewayFixture.closedPort()));
    try {
      HttpResponse<String> response = GatewayFixture.send(HttpRequest.newBuilder(
          URI.create(GatewayFixture.url(down) + "/health")).header("Authorization", "Bearer " + GatewayFixture.TOKEN));
      assertThat(response.statusCode()).isEqualTo(200);
      JsonObject health = new JsonObject(response.body());
      assertThat(health.getString("status")).isEqualTo("degraded");
      JsonObject upstream = health.getJsonArray("upstreams").getJsonObject(0);
      assertThat(upstream.getBoolean("reachable")).isFalse();
      assertThat(upstream.getString("error")).isNotBlank();
    } finally {
      GatewayFixture.await(down.stop(Duration.ZERO));
    }
  }

  @Test
  void rootAnswersGetAndHead() {
    HttpResponse<String> get = GatewayFixture.send(fx.anonymous("/"));
    assertThat(get.statusCode()).isEqualTo(200);
    JsonObject root = new JsonObject(get.body());
    assertThat(root.getString("status")).isEqualTo("ok");
    assertThat(root.getString("name")).isEqualTo("ollama-gateway");

    HttpResponse<String> head = GatewayFixture.send(fx.anonymous("/")
        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();

    HttpResponse<String> post = GatewayFixture.send(fx.anonymous("/")
        .POST(HttpRequest.BodyPublishers.ofString("{}")));
    assertThat(post.statusCode()).isEqualTo(405);
  }
}
