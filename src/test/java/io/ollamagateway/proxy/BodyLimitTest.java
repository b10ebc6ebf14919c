package io.ollamagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** MAX_BODY_SIZE bounds buffered JSON bodies, not streamed blob uploads. */
class BodyLimitTest {

  private static GatewayFixture fx;

  @BeforeAll
  static void start() {
    fx = GatewayFixture.start("MAX_BODY_SIZE", "1kb");
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  private static String bigChat() {
    return "{\"model\":\"llama3.2\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\""
        + "word ".repeat(1024) + "\"}]}";
  }

  @Test
  void aSmallBodyPasses() {
    assertThat(fx.post("/api/chat", "{\"model\":\"llama3.2\",\"stream\":false,\"messages\":[]}").statusCode())
        .isEqualTo(200);
  }

  @Test
  void aLargeNativeBodyIs413AndNeverReachesTheUpstream() {
    long before = fx.emulator().stats().requests();
    HttpResponse<String> response = fx.post("/api/chat", bigChat());
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(new JsonObject(response.body()).getString("error")).contains("MAX_BODY_SIZE");
    assertThat(fx.emulator().stats().requests()).isEqualTo(before);
  }

  @Test
  void aLargeOpenAiBodyIs413InTheOpenAiShape() {
    long before = fx.emulator().stats().requests();
    HttpResponse<String> response = fx.post("/v1/chat/completions", bigChat());
    assertThat(response.statusCode()).isEqualTo(413);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("message")).contains("MAX_BODY_SIZE");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(fx.emulator().stats().requests()).isEqualTo(before);
  }

  @Test
  void aLargeBodyWithoutDeclaredLengthIsCutOffToo() {
    long before = fx.emulator().stats().requests();
    byte[] body = bigChat().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    HttpResponse<String> response = GatewayFixture.send(fx.request("/api/chat")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(fx.emulator().stats().requests()).isEqualTo(before);
  }

  @Test
  void aBlobUploadLargerThanTheLimitStillGoesThrough() throws Exception {
    byte[] blob = new byte[5 * 1024];
    for (int i = 0; i < blob.length; i++) {
      blob[i] = (byte) (i * 31);
    }
    String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob));
    HttpResponse<String> response = GatewayFixture.send(fx.request("/api/blobs/" + digest)
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(blob)));
    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(fx.emulator().stats().lastRequest().body()).isEqualTo("<5120 bytes>");
  }
}
