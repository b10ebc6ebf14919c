package io.ollamagateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key pool of one Ollama Cloud-like upstream, seen from a client of the gateway. */
class KeyRotationTest {

  private static final List<String> MODELS = EmulatorOptions.DEFAULT_MODELS;

  @TempDir
  Path dir;

  private UpstreamsFixture fixture;

  @AfterEach
  void close() throws Exception {
    fixture.close();
  }

  private OllamaEmulator cloud(Set<String> rateLimited, Set<String> required, String settings) throws Exception {
    fixture = new UpstreamsFixture(dir);
    for (String setting : settings.split(";")) {
      if (!setting.isBlank()) {
        fixture.set(setting.split("=")[0], setting.split("=")[1]);
      }
    }
    OllamaEmulator emulator = fixture.emulator(MODELS, rateLimited, required);
    fixture.start("""
        upstreams:
          - name: cloud
            url: %s
            keys: [key-one-aaaaaaaa, key-two-bbbbbbbb]
        """.formatted(emulator.url()));
    return emulator;
  }

  @Test
  void aRateLimitedKeyIsReplacedByTheNextWithoutTheClientNoticing() throws Exception {
    OllamaEmulator emulator = cloud(Set.of("key-one-aaaaaaaa"), Set.of(), "");
    long one = emulator.stats().requestsWithKey("key-one-aaaaaaaa");
    long two = emulator.stats().requestsWithKey("key-two-bbbbbbbb");

    HttpResponse<String> answer = fixture.post("/api/chat", UpstreamsFixture.chat("llama3.2", false));
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(answer.body()).getBoolean("done")).isTrue();
    assertThat(emulator.stats().requestsWithKey("key-one-aaaaaaaa") - one).isEqualTo(1);
    assertThat(emulator.stats().requestsWithKey("key-two-bbbbbbbb") - two).isEqualTo(1);

    // the limited key cools down: the next requests, streamed or not, go straight to the second key
    HttpResponse<String> streamed = fixture.post("/v1/chat/completions", UpstreamsFixture.chat("llama3.2", true));
    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(streamed.body()).contains("data: [DONE]");
    assertThat(emulator.stats().requestsWithKey("key-one-aaaaaaaa") - one).isEqualTo(1);
    assertThat(emulator.stats().requestsWithKey("key-two-bbbbbbbb") - two).isEqualTo(2);

    JsonObject key = adminKeys().getJsonObject(0);
    assertThat(key.getString("state")).isEqualTo("cooling_down");
    assertThat(key.getString("cooldown_until")).isNotNull();
    assertThat(key.getString("prefix")).isEqualTo("key-...");
    assertThat(fixture.admin("GET", "/admin/api/upstreams").body()).doesNotContain("key-one-aaaaaaaa");
  }

  @Test
  void whenEveryKeyIsLimitedTheClientGets429WithRetryAfterInTheApisShape() throws Exception {
    OllamaEmulator emulator = cloud(Set.of("key-one-aaaaaaaa", "key-two-bbbbbbbb"), Set.of(), "KEY_COOLDOWN=90s");
    long before = emulator.stats().requests();

    HttpResponse<String> nativeAnswer = fixture.post("/api/chat", UpstreamsFixture.chat("llama3.2", true));
    assertThat(nativeAnswer.statusCode()).isEqualTo(429);
    assertThat(nativeAnswer.headers().firstValue("Retry-After")).hasValueSatisfying(
        v -> assertThat(Long.parseLong(v)).isBetween(1L, 90L));
    assertThat(new JsonObject(nativeAnswer.body()).getString("error")).contains("rate limited");
    assertThat(emulator.stats().requests() - before).isEqualTo(2);

    // both keys cool down now: the gateway answers at once, without bothering the upstream
    HttpResponse<String> openAi = fixture.post("/v1/chat/completions", UpstreamsFixture.chat("llama3.2", false));
    assertThat(openAi.statusCode()).isEqualTo(429);
    assertThat(Long.parseLong(openAi.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 90L);
    JsonObject error = new JsonObject(openAi.body()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("rate_limit_error");
    assertThat(error.getString("message")).contains("retry after");
    assertThat(emulator.stats().requests() - before).isEqualTo(2);
  }

  @Test
  void aStreamedUploadIsNotRepeatedButItsKeyStillCoolsDown() throws Exception {
    OllamaEmulator emulator = cloud(Set.of("key-one-aaaaaaaa"), Set.of(), "");
    long one = emulator.stats().requestsWithKey("key-one-aaaaaaaa");
    long two = emulator.stats().requestsWithKey("key-two-bbbbbbbb");
    // an audio upload streams through unbuffered, so it cannot be sent a second time (a JSON route is buffered
    // whatever its Content-Type, since issue 21)
    HttpResponse<String> answer = fixture.post("/v1/audio/transcriptions", "RIFF....WAVEfmt ",
        "Content-Type", "multipart/form-data; boundary=x");
    assertThat(answer.statusCode()).isEqualTo(429);
    assertThat(emulator.stats().requestsWithKey("key-one-aaaaaaaa") - one).isEqualTo(1);
    assertThat(emulator.stats().requestsWithKey("key-two-bbbbbbbb") - two).isZero();
    assertThat(adminKeys().getJsonObject(0).getString("state")).isEqualTo("cooling_down");
  }

  @Test
  void aCooledDownKeyIsTriedAgain() throws Exception {
    OllamaEmulator emulator = cloud(Set.of("key-one-aaaaaaaa"), Set.of(),
        "KEY_STRATEGY=round-robin;KEY_COOLDOWN=100ms");
    long one = emulator.stats().requestsWithKey("key-one-aaaaaaaa");
    assertThat(fixture.post("/api/chat", UpstreamsFixture.chat("llama3.2", false)).statusCode()).isEqualTo(200);
    assertThat(emulator.stats().requestsWithKey("key-one-aaaaaaaa") - one).isEqualTo(1);

    Thread.sleep(400); // well past the 100 ms cooldown (the exact expiry is KeyPoolTest's job)
    for (int i = 0; i < 2; i++) {
      assertThat(fixture.post("/api/chat", UpstreamsFixture.chat("llama3.2", false)).statusCode()).isEqualTo(200);
    }
    // round robin reached the first key again: it was probed once more (and limited again)
    assertThat(emulator.stats().requestsWithKey("key-one-aaaaaaaa") - one).isEqualTo(2);
    assertThat(adminKeys().getJsonObject(0).getInteger("consecutive_rate_limits")).isEqualTo(2);
  }

  @Test
  void aKeyRefusedWith401IsDisabledAndTheNextKeyAnswers() throws Exception {
    OllamaEmulator emulator = cloud(Set.of(), Set.of("key-two-bbbbbbbb"), "");
    long one = emulator.stats().requestsWithKey("key-one-aaaaaaaa");

    assertThat(fixture.post("/api/generate", "{\"model\":\"llama3.2\",\"prompt\":\"hi\",\"stream\":false}")
        .statusCode()).isEqualTo(200);
    assertThat(fixture.post("/api/generate", "{\"model\":\"llama3.2\",\"prompt\":\"hi\",\"stream\":false}")
        .statusCode()).isEqualTo(200);
    // the refused request, then the check of the key alone that confirmed it is bad
    assertThat(emulator.stats().requestsWithKey("key-one-aaaaaaaa") - one).isEqualTo(2);

    JsonObject key = adminKeys().getJsonObject(0);
    assertThat(key.getString("state")).isEqualTo("disabled");
    assertThat(key.getString("disabled_reason")).contains("401");
    assertThat(adminKeys().getJsonObject(1).getString("state")).isEqualTo("available");

    // a reload (the operator fixed the account) gives the key another chance
    assertThat(fixture.admin("POST", "/admin/api/reload").statusCode()).isEqualTo(200);
    assertThat(adminKeys().getJsonObject(0).getString("state")).isEqualTo("available");
  }

  @Test
  void theUpstreamsAdminRouteNeedsAnAdmin() throws Exception {
    cloud(Set.of(), Set.of(), "");
    assertThat(fixture.get("/admin/api/upstreams").statusCode()).isEqualTo(403);
    assertThat(fixture.get("/admin/api/upstreams", "Authorization", "Bearer wrong").statusCode()).isEqualTo(403);
    assertThat(fixture.admin("GET", "/admin/api/upstreams").statusCode()).isEqualTo(200);
  }

  private JsonArray adminKeys() throws Exception {
    HttpResponse<String> answer = fixture.admin("GET", "/admin/api/upstreams");
    assertThat(answer.statusCode()).isEqualTo(200);
    return new JsonObject(answer.body()).getJsonArray("upstreams").getJsonObject(0).getJsonArray("keys");
  }
}
