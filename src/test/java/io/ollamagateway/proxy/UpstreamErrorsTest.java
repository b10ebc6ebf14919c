package io.ollamagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.server.Gateway;
import io.ollamagateway.testing.BrokenUpstream;
import io.ollamagateway.testing.ClosingUpstream;
import io.ollamagateway.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Upstream failures reach the client as errors it can read, in the called API's shape. */
class UpstreamErrorsTest {

  private static final String CHAT = "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

  private static GatewayFixture fx;

  @BeforeAll
  static void start() {
    fx = GatewayFixture.start("UPSTREAM_IDLE_TIMEOUT", "300ms");
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  /** Runs {@code call} against a gateway in front of {@code upstreamUrl}, then stops that gateway. */
  private static <T> T withGateway(String upstreamUrl, Function<String, T> call) {
    Gateway gateway = GatewayFixture.startGateway(Map.of("OLLAMA_URL", upstreamUrl));
    try {
      return call.apply(GatewayFixture.url(gateway));
    } finally {
      GatewayFixture.await(gateway.stop(Duration.ZERO));
    }
  }

  private static HttpResponse<String> post(String base, String path, String body) {
    return GatewayFixture.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15))
        .header("Authorization", "Bearer " + GatewayFixture.TOKEN)
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  @Test
  void aPooledConnectionTheUpstreamJustClosedIsRetriedOnANewOne() {
    try (ClosingUpstream upstream = new ClosingUpstream()) {
      // one event loop, so that the second request reuses the first one's connection
      Gateway gateway = GatewayFixture.startGateway(Map.of("OLLAMA_URL", upstream.url(), "EVENT_LOOPS", "1"));
      try {
        String base = GatewayFixture.url(gateway);
        for (String path : List.of("/api/stale-first", "/api/stale-second")) {
          HttpResponse<String> answer = GatewayFixture.send(HttpRequest.newBuilder(URI.create(base + path))
              .timeout(Duration.ofSeconds(15)).header("Authorization", "Bearer " + GatewayFixture.TOKEN));
          assertThat(answer.statusCode()).as(path).isEqualTo(200);
        }
        assertThat(upstream.closedUnanswered()).isEqualTo(1); // the race happened, and the client never saw it
      } finally {
        GatewayFixture.await(gateway.stop(Duration.ZERO));
      }
    }
  }

  @Test
  void anUpstreamThatIsDownIsA502NamingIt() {
    int port = GatewayFixture.closedPort();
    withGateway("http://127.0.0.1:" + port, base -> {
      HttpResponse<String> nativeCall = post(base, "/api/chat", CHAT + "}");
      assertThat(nativeCall.statusCode()).isEqualTo(502);
      assertThat(new JsonObject(nativeCall.body()).getString("error"))
          .contains("upstream 'default'").doesNotContain("127.0.0.1:" + port); // its name, never its address

      HttpResponse<String> openAi = post(base, "/v1/chat/completions", CHAT + "}");
      assertThat(openAi.statusCode()).isEqualTo(502);
      JsonObject error = new JsonObject(openAi.body()).getJsonObject("error");
      assertThat(error.getString("message")).contains("upstream 'default'").doesNotContain("127.0.0.1:" + port);
      assertThat(error.getString("type")).isEqualTo("api_error");
      return null;
    });
  }

  @Test
  void anUpstreamTooSlowToStartIsA504() {
    HttpResponse<String> nativeCall = GatewayFixture.send(fx.request("/api/chat").header("X-Emulator-TTFT-Ms", "2000")
        .POST(HttpRequest.BodyPublishers.ofString(CHAT + "}")));
    assertThat(nativeCall.statusCode()).isEqualTo(504);
    assertThat(new JsonObject(nativeCall.body()).getString("error")).contains("UPSTREAM_IDLE_TIMEOUT");

    HttpResponse<String> openAi = GatewayFixture.send(fx.request("/v1/chat/completions")
        .header("X-Emulator-TTFT-Ms", "2000").POST(HttpRequest.BodyPublishers.ofString(CHAT + "}")));
    assertThat(openAi.statusCode()).isEqualTo(504);
    assertThat(new JsonObject(openAi.body()).getJsonObject("error").getString("message"))
        .contains("UPSTREAM_IDLE_TIMEOUT");
  }

  @Test
  void anUpstreamErrorMidStreamReachesTheClientAsTheLastLine() {
    HttpResponse<String> response = GatewayFixture.send(fx.request("/api/chat").header("X-Emulator-Fail-After", "2")
        .POST(HttpRequest.BodyPublishers.ofString(CHAT + "}")));
    assertThat(response.statusCode()).isEqualTo(200);
    List<JsonObject> lines = response.body().lines().map(JsonObject::new).toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0).getBoolean("done")).isFalse();
    assertThat(lines.get(2).getString("error")).contains("unexpected EOF");
  }

  @Test
  void anNdjsonStreamWhoseUpstreamDiesEndsWithAnErrorLine() {
    try (BrokenUpstream upstream = new BrokenUpstream("application/x-ndjson",
        "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"The\"},\"done\":false}\n")) {
      HttpResponse<String> response = withGateway(upstream.url(), base -> post(base, "/api/chat", CHAT + "}"));
      assertThat(response.statusCode()).isEqualTo(200);
      List<String> lines = response.body().lines().toList();
      assertThat(lines).hasSize(2);
      assertThat(new JsonObject(lines.get(0)).getJsonObject("message").getString("content")).isEqualTo("The");
      assertThat(new JsonObject(lines.get(1)).getString("error")).contains("upstream 'default'");
    }
  }

  @Test
  void anSseStreamWhoseUpstreamDiesEndsWithAnErrorEvent() {
    try (BrokenUpstream upstream = new BrokenUpstream("text/event-stream",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"The\"}}]}\n\n")) {
      HttpResponse<String> response = withGateway(upstream.url(),
          base -> post(base, "/v1/chat/completions", CHAT + ",\"stream\":true}"));
      assertThat(response.statusCode()).isEqualTo(200);
      List<String> events = response.body().lines().filter(l -> l.startsWith("data: "))
          .map(l -> l.substring(6)).toList();
      assertThat(events).hasSize(2);
      assertThat(events.get(0)).contains("\"The\"");
      JsonObject error = new JsonObject(events.get(1)).getJsonObject("error");
      assertThat(error.getString("message")).contains("upstream 'default'");
      assertThat(response.body()).doesNotContain("[DONE]");
    }
  }
}
