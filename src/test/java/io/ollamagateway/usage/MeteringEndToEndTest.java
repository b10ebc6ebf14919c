package io.ollamagateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.server.Gateway;
import io.ollamagateway.testing.GatewayFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Metering seen from outside: what clients receive, and what /metrics counts. */
class MeteringEndToEndTest {

  private static final String TOKEN = GatewayFixture.TOKEN;
  private static GatewayFixture fixture;
  private static OllamaEmulator emulator;
  private static Gateway gateway;
  private static final HttpClient http = GatewayFixture.http();

  @BeforeAll
  static void start() {
    fixture = GatewayFixture.start(EmulatorOptions.defaults().withTiming(Duration.ZERO, 4, Duration.ZERO),
        "ACCESS_LOG", "false");
    emulator = fixture.emulator();
    gateway = fixture.gateway();
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
        .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String metrics() throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/metrics"))
        .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void openAiStreamKeepsItsShapeWhileTheGatewayCountsItsTokens() throws Exception {
    String body = "{\"model\":\"qwen2.5:0.5b\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}";
    HttpResponse<String> answer = post("/v1/chat/completions", body);

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
    assertThat(emulator.stats().lastRequest().body()).contains("\"include_usage\":true");
    // emulator: 3 words + 4 per message + 3 = 10 prompt tokens, 4 chunks
    assertThat(metrics()).contains("gateway_tokens_total{estimated=\"false\",model=\"qwen2.5:0.5b\",type=\"prompt\","
        + "upstream=\"default\"} 10.0", "gateway_tokens_total{estimated=\"false\",model=\"qwen2.5:0.5b\","
        + "type=\"completion\",upstream=\"default\"} 4.0");
  }

  @Test
  void aMeteredAnswerKeepsItsLengthUnlessTheGatewayChangesIt() throws Exception {
    HttpResponse<String> whole = post("/api/chat", "{\"model\":\"llama3.2\",\"stream\":false,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(whole.headers().firstValue("Content-Length")).as("the upstream's length, not chunked")
        .hasValue(String.valueOf(whole.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
    assertThat(whole.headers().firstValue("Transfer-Encoding")).isEmpty();

    HttpResponse<String> stream = post("/v1/chat/completions", "{\"model\":\"llama3.2\",\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(stream.headers().firstValue("Content-Length")).as("the hidden usage chunk changes the length")
        .isEmpty();
    assertThat(stream.body()).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
  }

  @Test
  void aClientThatAsksForUsageStillGetsIt() throws Exception {
    HttpResponse<String> answer = post("/v1/chat/completions", "{\"model\":\"llama3.2\",\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(answer.body()).contains("\"usage\":{\"prompt_tokens\":8");
  }

  @Test
  void nativeCountsComeFromTheDoneLine() throws Exception {
    HttpResponse<String> answer = post("/api/generate", "{\"model\":\"nomic-embed-text\",\"prompt\":\"a b c d e\"}");
    assertThat(answer.body()).contains("\"prompt_eval_count\":7");
    assertThat(metrics()).contains("gateway_tokens_total{estimated=\"false\",model=\"nomic-embed-text\","
        + "type=\"prompt\",upstream=\"default\"} 7.0");
  }

  @Test
  void metricsNeedAnAdminCredential() throws Exception {
    HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.body()).doesNotContain("gateway_");
    assertThat(metrics()).contains("gateway_requests_total", "gateway_request_duration_seconds_bucket");
  }
}
