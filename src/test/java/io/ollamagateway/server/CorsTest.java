package io.ollamagateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.GatewayFixture;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Browsers get CORS answers only for the origins in ALLOWED_ORIGINS. */
class CorsTest {

  private static final String APP = "http://app.example";

  private static GatewayFixture fx;
  /** Same emulator, no ALLOWED_ORIGINS. */
  private static Gateway closed;

  @BeforeAll
  static void start() {
    fx = GatewayFixture.start("ALLOWED_ORIGINS", APP);
    closed = GatewayFixture.startGateway(Map.of("OLLAMA_URL", fx.emulator().url()));
  }

  @AfterAll
  static void stop() {
    GatewayFixture.await(closed.stop(Duration.ZERO));
    fx.close();
  }

  private static HttpResponse<String> preflight(String base, String origin) {
    return GatewayFixture.send(HttpRequest.newBuilder(URI.create(base + "/api/chat"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization,content-type"));
  }

  private static HttpResponse<String> tagsFrom(String base, String origin) {
    return GatewayFixture.send(HttpRequest.newBuilder(URI.create(base + "/api/tags"))
        .header("Origin", origin).header("Authorization", "Bearer " + GatewayFixture.TOKEN));
  }

  @Test
  void anAllowedOriginGetsPreflightAndCorsHeaders() {
    HttpResponse<String> response = preflight(fx.url(), APP);
    assertThat(response.statusCode()).isBetween(200, 204);
    assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
    assertThat(response.headers().firstValue("Access-Control-Allow-Methods")).hasValueSatisfying(
        v -> assertThat(v).contains("POST"));

    HttpResponse<String> actual = tagsFrom(fx.url(), APP);
    assertThat(actual.statusCode()).isEqualTo(200);
    assertThat(actual.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
  }

  @Test
  void anotherOriginIsRefused() {
    HttpResponse<String> response = preflight(fx.url(), "http://evil.example");
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void withoutAllowedOriginsPreflightsAreRefusedAndAnswersCarryNoCorsHeaders() {
    String base = GatewayFixture.url(closed);
    HttpResponse<String> response = preflight(base, APP);
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

    HttpResponse<String> actual = tagsFrom(base, APP);
    assertThat(actual.statusCode()).isEqualTo(200);
    assertThat(actual.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }
}
