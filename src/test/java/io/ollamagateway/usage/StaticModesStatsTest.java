package io.ollamagateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.testing.GatewayFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /stats} for callers without a user or key (the shared token and open access), whose rows are stored
 * with ids 0: the shared token, an operator, sees every row; an anonymous caller only the anonymous rows.
 */
class StaticModesStatsTest {

  private static final String GENERATE = "{\"model\":\"llama3.2:latest\",\"prompt\":\"why is the sky blue\","
      + "\"stream\":false}";
  private static GatewayFixture fixture;

  @BeforeAll
  static void start() {
    fixture = GatewayFixture.start(EmulatorOptions.defaults().withTiming(Duration.ZERO, 3, Duration.ZERO),
        "ALLOW_UNAUTHENTICATED_ACCESS", "true", "USAGE_FLUSH_INTERVAL", "50ms", "ACCESS_LOG", "false");
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static JsonArray stats(HttpRequest.Builder request) {
    HttpResponse<String> answer = GatewayFixture.send(request.GET());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new JsonArray(answer.body());
  }

  private static Map<String, Long> requestsByKey(JsonArray rows) {
    Map<String, Long> byKey = new HashMap<>();
    for (Object row : rows) {
      byKey.merge(((JsonObject) row).getString("key"), ((JsonObject) row).getLong("requests"), Long::sum);
    }
    return byKey;
  }

  @Test
  void theSharedTokenSeesEveryRowAndAnonymousOnlyItsOwn() {
    assertThat(fixture.post("/api/generate", GENERATE).statusCode()).isEqualTo(200);
    assertThat(fixture.post("/api/generate", GENERATE).statusCode()).isEqualTo(200);
    HttpResponse<String> anonymous = GatewayFixture.send(fixture.anonymous("/api/generate")
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(GENERATE)));
    assertThat(anonymous.statusCode()).isEqualTo(200);

    assertThat(GatewayFixture.eventually(Duration.ofSeconds(10),
        () -> requestsByKey(stats(fixture.request("/stats"))).equals(Map.of("shared-token", 2L, "anonymous", 1L))))
        .as("rows of both callers flushed: %s", stats(fixture.request("/stats"))).isTrue();

    JsonArray own = stats(fixture.anonymous("/stats"));
    assertThat(requestsByKey(own)).isEqualTo(Map.of("anonymous", 1L));
    JsonObject row = own.getJsonObject(0);
    // generate: 2 + words of the prompt; completion: 3 chunks
    assertThat(row.getLong("prompt_tokens")).isEqualTo(2 + 5);
    assertThat(row.getLong("completion_tokens")).isEqualTo(3);
  }
}
