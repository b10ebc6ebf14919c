package io.ollamagateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile request bodies, tried with a user key whose allowlist has only {@code llama3*} against the emulator,
 * which reads JSON as Ollama does (keys case-insensitive, the last duplicate wins, whatever the Content-Type):
 * the gateway decides on what Ollama will read and forwards exactly that.
 */
class HostileBodyTest extends HostileFixture {

  private static final String FORBIDDEN = "qwen2.5:0.5b";

  private Wire.Answer post(String path, String key, String body, String contentType) {
    try (Wire wire = Wire.connect(fixture.gateway.port(), 10_000)) {
      return wire.request("POST", path, body, "Authorization: Bearer " + key, "Content-Type: " + contentType,
          "Connection: close").read();
    }
  }

  private static String messages() {
    return new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")).encode();
  }

  @Test
  void aCapitalizedModelKeyIsReadAsOllamaReadsIt() {
    long before = stats().requests();
    Wire.Answer refused = post("/api/chat", user, "{\"Model\":\"" + FORBIDDEN + "\",\"stream\":false,\"messages\":"
        + messages() + "}", "application/json");
    assertThat(refused.status()).as(refused.body()).isEqualTo(403);
    assertThat(stats().requests()).isEqualTo(before);

    Wire.Answer allowed = post("/api/chat", user, "{\"MODEL\":\"llama3.2\",\"stream\":false,\"messages\":"
        + messages() + "}", "application/json");
    assertThat(allowed.status()).as(allowed.body()).isEqualTo(200);
    assertThat(new JsonObject(allowed.body()).getString("model")).startsWith("llama3.2");
    assertThat(stats().lastRequest().body()).contains("\"model\":\"llama3.2\"").doesNotContain("MODEL");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"model\":\"llama3.2\",\"model\":\"" + FORBIDDEN + "\",\"stream\":false}",
      "{\"model\":\"llama3.2\",\"Model\":\"" + FORBIDDEN + "\",\"stream\":false}",
      "{\"model\":\"llama3.2\",\"stream\":false,\"stream\":true}",
      "{\"model\":\"llama3.2\",\"stream\":false,\"Stream\":true}",
      "{\"model\":\"llama3.2\",\"stream\":false,\"\u017Ftream\":true}", // Go folds the long s to s
      "{\"\u212Aeep_alive\":0,\"model\":\"llama3.2\",\"keep_alive\":\"5m\"}", // and the Kelvin sign to k
      "{\"model\":\"llama3.2\",\"options\":{\"num_predict\":1,\"num_predict\":100000}}",
      "{\"model\":\"llama3.2\",\"options\":{\"num_predict\":1},\"OPTIONS\":{\"num_predict\":100000}}"})
  void duplicateOrCaseVariantKeysAreRefused(String body) {
    long before = stats().requests();
    Wire.Answer answer = post("/api/generate", user, body, "application/json");
    assertThat(answer.status()).as(answer.body()).isEqualTo(400);
    assertThat(new JsonObject(answer.body()).getString("error")).containsIgnoringCase("duplicate");
    assertThat(stats().requests()).isEqualTo(before);
  }

  @Test
  void duplicateKeysAreRefusedOnOpenAiRoutesInOpenAisShape() {
    Wire.Answer answer = post("/v1/chat/completions", user, "{\"model\":\"llama3.2\",\"max_tokens\":5,"
        + "\"MAX_TOKENS\":100000,\"messages\":" + messages() + "}", "application/json");
    assertThat(answer.status()).as(answer.body()).isEqualTo(400);
    assertThat(new JsonObject(answer.body()).getJsonObject("error").getString("message")).contains("max_tokens");
  }

  @ParameterizedTest
  @ValueSource(strings = {"application/octet-stream", "image/png", "multipart/form-data; boundary=x", "text/plain"})
  void aJsonRouteIsInspectedWhateverTheContentType(String contentType) {
    long before = stats().requests();
    Wire.Answer answer = post("/api/chat", user, "{\"model\":\"" + FORBIDDEN + "\",\"stream\":false,\"messages\":"
        + messages() + "}", contentType);
    assertThat(answer.status()).as(answer.body()).isEqualTo(403);
    assertThat(stats().requests()).isEqualTo(before);
  }

  @Test
  void aGenerationSentAsBinaryIsStillReservedAndCapped() {
    String limited = key(new JsonObject().put("tokens_per_minute", 300));
    Wire.Answer answer = post("/api/generate", limited, "{\"model\":\"llama3.2\",\"prompt\":\"hi\",\"stream\":false}",
        "application/octet-stream");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(new JsonObject(stats().lastRequest().body()).getJsonObject("options").getLong("num_predict"))
        .isPositive();
  }

  @Test
  void aCapitalizedOptionsKeyIsCappedAsOne() {
    String limited = key(new JsonObject().put("tokens_per_minute", 300));
    Wire.Answer answer = post("/api/generate", limited, "{\"model\":\"llama3.2\",\"prompt\":\"hi\",\"stream\":false,"
        + "\"Options\":{\"num_predict\":100000}}", "application/json");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    JsonObject forwarded = new JsonObject(stats().lastRequest().body());
    assertThat(forwarded.fieldNames()).filteredOn(n -> n.equalsIgnoreCase("options")).containsExactly("options");
    assertThat(forwarded.getJsonObject("options").getLong("num_predict")).isLessThan(300);
  }

  @Test
  void aLongStringInACapitalizedBodyIsReadWhole() {
    // longer than Jackson's default 20M-character string limit, with a key that makes the gateway rewrite it
    String image = "A".repeat(21_000_000);
    Wire.Answer answer = post("/api/generate", user, "{\"Model\":\"llama3.2\",\"prompt\":\"hi\",\"stream\":false,"
        + "\"images\":[\"" + image + "\"]}", "application/json");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"[{\"model\":\"llama3.2\"}]", "\"llama3.2\"", "42", "null", "{\"model\":", "not json",
      "{\"model\":\"llama3.2\"} trailing"})
  void aBodyThatIsNotOneJsonObjectIsRefused(String body) {
    long before = stats().requests();
    Wire.Answer answer = post("/api/chat", user, body, "application/json");
    assertThat(answer.status()).as(answer.body()).isEqualTo(400);
    assertThat(stats().requests()).isEqualTo(before);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/api/chat", "/api/generate", "/api/embed", "/api/show", "/v1/chat/completions"})
  void aRouteThatNeedsAModelRefusesABodyWithout(String path) {
    long before = stats().requests();
    Wire.Answer answer = post(path, user, "{\"prompt\":\"hi\"}", "application/json");
    assertThat(answer.status()).as(answer.body()).isEqualTo(400);
    assertThat(answer.body()).contains("model");
    assertThat(stats().requests()).isEqualTo(before);
  }

  @Test
  void everyModelFieldOfACopyIsChecked() {
    String admin = fixture.adminKey;
    Wire.Answer copy = post("/api/copy", admin, "{\"source\":\"llama3.2\",\"destination\":\"llama3-copy\"}",
        "application/json");
    assertThat(copy.status()).as(copy.body()).isEqualTo(200);
    Wire.Answer missing = post("/api/copy", admin, "{\"source\":\"llama3.2\"}", "application/json");
    assertThat(missing.status()).as(missing.body()).isEqualTo(400);
  }

  @Test
  void aBlobUploadStillStreams() throws Exception {
    byte[] blob = new byte[3 * 1024 * 1024];
    String digest = "sha256:" + java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(blob));
    try (Wire wire = Wire.connect(fixture.gateway.port(), 10_000)) {
      Wire.Answer answer = wire.request("POST", "/api/blobs/" + digest, blob, "Authorization: Bearer "
          + fixture.adminKey, "Content-Type: application/json", "Connection: close").read();
      assertThat(answer.status()).as(answer.body()).isEqualTo(201);
    }
  }
}
