package io.ollamagateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorStats;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile spellings of the request line, tried with an ordinary user key against the emulator (which, like
 * Ollama, routes on the percent-decoded path): no spelling reaches a handler the plain path may not reach,
 * skips metering or filtering, or escapes {@code /api} and {@code /v1}; what the gateway forwards is the one
 * canonical path it decided on.
 */
class HostileSpellingTest extends HostileFixture {

  private Wire.Answer call(String method, String target, String key, String body) {
    try (Wire wire = Wire.connect(fixture.gateway.port(), 10_000)) {
      String[] headers = {"Authorization: Bearer " + key, "Content-Type: application/json", "Connection: close"};
      if (body == null) {
        wire.write(Wire.head(method, target, headers));
      } else {
        wire.request(method, target, body, headers);
      }
      return wire.read();
    }
  }

  private static String chat(String model) {
    return new JsonObject().put("model", model).put("stream", false)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))).encode();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/api/%70ull", "/api/pu%6cl", "/api//pull", "/api/./pull", "/api/x/../pull", "/pull",
      "/api/api/%70ull"})
  void anEncodedAdminRouteIsStillAdminOnly(String target) {
    long before = stats().requests();
    Wire.Answer answer = call("POST", target, user, "{\"model\":\"llama3.2\",\"stream\":false}");
    assertThat(answer.status()).as(answer.body()).isEqualTo(403);
    assertThat(new JsonObject(answer.body()).getString("error")).contains("only admins");
    assertThat(stats().requests()).as("nothing reached the upstream").isEqualTo(before);
  }

  @Test
  void anEncodedChatIsReservedCappedAndForwardedCanonical() {
    String limited = key(new JsonObject().put("tokens_per_minute", 300));
    Wire.Answer answer = call("POST", "/api/ch%61t", limited, chat("llama3.2"));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    EmulatorStats.SeenRequest seen = stats().lastRequest();
    assertThat(seen.uri()).isEqualTo("/api/chat");
    assertThat(new JsonObject(seen.body()).getJsonObject("options").getLong("num_predict")).isPositive();
    // and metered: the key's usage shows the chat's tokens
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(10), () -> {
      Http.Answer stats = fixture.http.get("/stats", Http.bearer(limited));
      return stats.status() == 200 && stats.array().stream()
          .mapToLong(row -> ((JsonObject) row).getLong("completion_tokens", 0L)).sum() > 0;
    })).as("a usage row for the encoded chat").isTrue();
  }

  @Test
  void anEncodedModelListIsFiltered() {
    Wire.Answer answer = call("GET", "/api/t%61gs", user, null);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    JsonArray models = new JsonObject(answer.body()).getJsonArray("models");
    assertThat(models).isNotEmpty();
    assertThat(models.stream().map(m -> ((JsonObject) m).getString("name"))).allMatch(n -> n.startsWith("llama3"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/api/../../x", "/v1/%2e%2e/%2e%2e/x", "/api/%2E%2E/x", "/api/..", "/v1/..%2fx",
      "/api/%2fpull", "/api/%5cpull", "/api/pull%00", "/api/%2570ull", "/api/ch%at", "/api/%c0%af"})
  void aPathThatCannotBeMadeCanonicalIsRefused(String target) {
    long before = stats().requests();
    Wire.Answer answer = call("POST", target, fixture.adminKey, "{\"model\":\"llama3.2\"}");
    assertThat(answer.status()).as(target + " " + answer.body()).isEqualTo(400);
    assertThat(stats().requests()).as("nothing reached the upstream").isEqualTo(before);
  }

  @Test
  void anAdminGetsTheCanonicalPathForwarded() {
    Wire.Answer answer = call("POST", "/api//ch%61t/", fixture.adminKey, chat("llama3.2"));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(stats().lastRequest().uri()).isEqualTo("/api/chat");
  }

  @Test
  void aPathOutsideTheTableIsRefusedToUsersAndForwardedForAdmins() {
    long before = stats().requests();
    Wire.Answer refused = call("POST", "/api/experimental", user, "{}");
    assertThat(refused.status()).as(refused.body()).isEqualTo(404);
    assertThat(new JsonObject(refused.body()).getString("error")).contains("/api/experimental");
    Wire.Answer openAi = call("GET", "/v1/files", user, null);
    assertThat(openAi.status()).isEqualTo(404);
    assertThat(new JsonObject(openAi.body()).getJsonObject("error").getString("message")).contains("/v1/files");
    assertThat(stats().requests()).isEqualTo(before);
    Wire.Answer admin = call("POST", "/api/experimental", fixture.adminKey, "{}");
    assertThat(admin.status()).isEqualTo(404); // the emulator's own "404 page not found"
    assertThat(stats().requests()).isEqualTo(before + 1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"TRACE", "CONNECT", "PUT", "PATCH", "DELETE", "PROPFIND"})
  void aMethodOutsideTheTableGets405AndIsNeverForwarded(String method) {
    long before = stats().requests();
    Wire.Answer answer = call(method, "/api/tags", fixture.adminKey, null);
    assertThat(answer.status()).as(answer.body()).isEqualTo(405);
    assertThat(answer.header("Allow")).isEqualTo("GET, HEAD");
    assertThat(stats().requests()).isEqualTo(before);
  }

  @Test
  void headWhereGetIsAllowedIsFine() {
    Wire.Answer answer = call("HEAD", "/api/version", user, null);
    assertThat(answer.status()).isEqualTo(200);
  }
}
