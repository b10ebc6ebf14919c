package io.ollamagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorStats;
import io.ollamagateway.server.Gateway;
import io.ollamagateway.testing.GatewayFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every route family reaches the upstream and its answer reaches the client; prefixes are folded. */
class RoutesProxyTest {

  /** What the emulator generates for an answer of 10 tokens. */
  static final String TEN_TOKENS = "The quick brown fox jumps over the lazy dog while";

  private static GatewayFixture fx;

  @BeforeAll
  static void start() {
    fx = GatewayFixture.start();
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  private static EmulatorStats.SeenRequest last() {
    return fx.emulator().stats().lastRequest();
  }

  private static List<JsonObject> ndjson(String body) {
    return body.lines().filter(l -> !l.isBlank()).map(JsonObject::new).toList();
  }

  private static List<String> sseData(String body) {
    return body.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
  }

  @Test
  void nativeGenerateStreamsNdjsonAndAnswersWhole() {
    HttpResponse<String> streamed = fx.post("/api/generate", "{\"model\":\"llama3.2\",\"prompt\":\"hi there\"}");
    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(streamed.headers().firstValue("content-type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("application/x-ndjson"));
    List<JsonObject> lines = ndjson(streamed.body());
    assertThat(lines).hasSize(11);
    assertThat(lines.subList(0, 10)).allSatisfy(l -> assertThat(l.getBoolean("done")).isFalse());
    assertThat(lines.stream().map(l -> l.getString("response")).reduce("", String::concat)).isEqualTo(TEN_TOKENS);
    assertThat(lines.get(10).getBoolean("done")).isTrue();
    assertThat(lines.get(10).getInteger("eval_count")).isEqualTo(10);

    HttpResponse<String> whole = fx.post("/api/generate",
        "{\"model\":\"llama3.2\",\"prompt\":\"hi\",\"stream\":false}");
    assertThat(whole.statusCode()).isEqualTo(200);
    JsonObject answer = new JsonObject(whole.body());
    assertThat(answer.getString("response")).isEqualTo(TEN_TOKENS);
    assertThat(answer.getBoolean("done")).isTrue();
    assertThat(last().uri()).isEqualTo("/api/generate");
  }

  @Test
  void nativeChatStreamsAndAnswersWhole() {
    String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]";
    List<JsonObject> lines = ndjson(fx.post("/api/chat", "{\"model\":\"llama3.2\"," + messages + "}").body());
    assertThat(lines).hasSize(11);
    assertThat(lines.stream().map(l -> l.getJsonObject("message").getString("content")).reduce("", String::concat))
        .isEqualTo(TEN_TOKENS);
    assertThat(lines.get(10).getBoolean("done")).isTrue();

    HttpResponse<String> whole = fx.post("/api/chat", "{\"model\":\"llama3.2\",\"stream\":false," + messages + "}");
    assertThat(whole.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(whole.body()).getJsonObject("message").getString("content")).isEqualTo(TEN_TOKENS);
  }

  @Test
  void embeddingRoutes() {
    HttpResponse<String> embed = fx.post("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":[\"a\",\"b c\"]}");
    assertThat(embed.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(embed.body());
    assertThat(body.getJsonArray("embeddings")).hasSize(2);
    assertThat(body.getInteger("prompt_eval_count")).isEqualTo(3);

    HttpResponse<String> legacy = fx.post("/api/embeddings", "{\"model\":\"nomic-embed-text\",\"prompt\":\"a\"}");
    assertThat(legacy.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(legacy.body()).getJsonArray("embedding")).hasSize(8);

    HttpResponse<String> openai = fx.post("/v1/embeddings", "{\"model\":\"nomic-embed-text\",\"input\":\"x y\"}");
    assertThat(openai.statusCode()).isEqualTo(200);
    JsonObject list = new JsonObject(openai.body());
    assertThat(list.getString("object")).isEqualTo("list");
    assertThat(list.getJsonArray("data").getJsonObject(0).getJsonArray("embedding")).hasSize(8);
    assertThat(list.getJsonObject("usage").getInteger("prompt_tokens")).isEqualTo(2);
  }

  @Test
  void modelInformationRoutes() {
    HttpResponse<String> tags = fx.get("/api/tags");
    assertThat(tags.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(tags.body()).getJsonArray("models").stream().map(m -> ((JsonObject) m).getString("name")))
        .contains("llama3.2:latest", "qwen2.5:0.5b");

    HttpResponse<String> ps = fx.get("/api/ps");
    assertThat(ps.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ps.body()).getJsonArray("models").getJsonObject(0).containsKey("size_vram")).isTrue();

    HttpResponse<String> show = fx.post("/api/show", "{\"model\":\"llama3.2\"}");
    assertThat(show.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(show.body()).getString("modelfile")).isEqualTo("FROM llama3.2:latest");

    HttpResponse<String> version = fx.get("/api/version");
    assertThat(version.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(version.body()).getString("version")).isEqualTo("0.12.6");

    HttpResponse<String> models = fx.get("/v1/models");
    assertThat(models.statusCode()).isEqualTo(200);
    JsonArray data = new JsonObject(models.body()).getJsonArray("data");
    assertThat(data.stream().map(m -> ((JsonObject) m).getString("id"))).contains("llama3.2:latest");

    HttpResponse<String> one = fx.get("/v1/models/qwen2.5:0.5b");
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(one.body()).getString("id")).isEqualTo("qwen2.5:0.5b");
    HttpResponse<String> missing = fx.get("/v1/models/nope");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(missing.body()).getJsonObject("error").getString("message")).contains("nope");
  }

  @Test
  void modelManagementRoutes() {
    HttpResponse<String> pull = fx.post("/api/pull", "{\"model\":\"tinyllama\"}");
    assertThat(pull.statusCode()).isEqualTo(200);
    List<JsonObject> progress = ndjson(pull.body());
    assertThat(progress.get(0).getString("status")).isEqualTo("pulling manifest");
    assertThat(progress.get(progress.size() - 1).getString("status")).isEqualTo("success");

    HttpResponse<String> copy = fx.post("/api/copy", "{\"source\":\"tinyllama\",\"destination\":\"tiny-copy\"}");
    assertThat(copy.statusCode()).isEqualTo(200);
    assertThat(fx.get("/api/tags").body()).contains("tiny-copy:latest");

    HttpResponse<String> delete = GatewayFixture.send(fx.request("/api/delete")
        .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"model\":\"tiny-copy\"}")));
    assertThat(delete.statusCode()).isEqualTo(200);
    assertThat(last().method()).isEqualTo("DELETE");
    assertThat(fx.get("/api/tags").body()).doesNotContain("tiny-copy:latest");
    HttpResponse<String> again = GatewayFixture.send(fx.request("/api/delete")
        .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"model\":\"tiny-copy\"}")));
    assertThat(again.statusCode()).isEqualTo(404);
  }

  @Test
  void blobUploadStreamsToTheUpstreamWhichVerifiesTheDigest() throws Exception {
    byte[] blob = new byte[3 * 1024 * 1024 + 17];
    new Random(42).nextBytes(blob);
    String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob));

    HttpResponse<String> before = GatewayFixture.send(fx.request("/api/blobs/" + digest)
        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertThat(before.statusCode()).isEqualTo(404);

    HttpResponse<String> upload = GatewayFixture.send(fx.request("/api/blobs/" + digest)
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(blob)));
    assertThat(upload.statusCode()).isEqualTo(201);
    assertThat(last().body()).isEqualTo("<" + blob.length + " bytes>");

    HttpResponse<String> after = GatewayFixture.send(fx.request("/api/blobs/" + digest)
        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertThat(after.statusCode()).isEqualTo(200);

    blob[0] ^= 1;
    HttpResponse<String> corrupted = GatewayFixture.send(fx.request("/api/blobs/" + digest)
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(blob)));
    assertThat(corrupted.statusCode()).isEqualTo(400);
    assertThat(corrupted.body()).contains("digest mismatch");
  }

  @Test
  void openAiChatStreamsSseAndAnswersWhole() {
    String request = "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    HttpResponse<String> whole = fx.post("/v1/chat/completions", request + "}");
    assertThat(whole.statusCode()).isEqualTo(200);
    JsonObject completion = new JsonObject(whole.body());
    assertThat(completion.getString("object")).isEqualTo("chat.completion");
    assertThat(completion.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
        .isEqualTo(TEN_TOKENS);

    HttpResponse<String> streamed = fx.post("/v1/chat/completions",
        request + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(streamed.headers().firstValue("content-type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("text/event-stream"));
    List<String> events = sseData(streamed.body());
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    StringBuilder text = new StringBuilder();
    events.stream().filter(e -> !e.equals("[DONE]")).map(JsonObject::new)
        .flatMap(e -> e.getJsonArray("choices").stream()).map(c -> ((JsonObject) c).getJsonObject("delta"))
        .forEach(d -> text.append(d.getString("content")));
    assertThat(text.toString()).isEqualTo(TEN_TOKENS);
    assertThat(new JsonObject(events.get(events.size() - 2)).getJsonObject("usage").getInteger("completion_tokens"))
        .isEqualTo(10);
  }

  @Test
  void openAiCompletions() {
    HttpResponse<String> whole = fx.post("/v1/completions", "{\"model\":\"llama3.2\",\"prompt\":\"once\",\"max_tokens\":3}");
    assertThat(whole.statusCode()).isEqualTo(200);
    JsonObject choice = new JsonObject(whole.body()).getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getString("text")).isEqualTo("The quick brown");
    assertThat(choice.getString("finish_reason")).isEqualTo("length");
  }

  @Test
  void unknownPathsAreForwardedAndTheUpstreamAnswerReachesTheClient() {
    HttpResponse<String> nativeUnknown = fx.get("/api/foo");
    assertThat(nativeUnknown.statusCode()).isEqualTo(404);
    assertThat(nativeUnknown.body()).isEqualTo("404 page not found");
    assertThat(last().uri()).isEqualTo("/api/foo");

    HttpResponse<String> openAiUnknown = fx.post("/v1/foo/bar", "{}");
    assertThat(openAiUnknown.statusCode()).isEqualTo(404);
    assertThat(openAiUnknown.body()).isEqualTo("404 page not found");
    assertThat(last().method()).isEqualTo("POST");
    assertThat(last().uri()).isEqualTo("/v1/foo/bar");

    HttpResponse<String> notProxied = fx.get("/metrics-nope");
    assertThat(notProxied.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(notProxied.body()).getString("error")).contains("/api/");
  }

  @Test
  void queryStringsAreForwarded() {
    assertThat(fx.get("/api/tags?verbose=true&x=a%20b").statusCode()).isEqualTo(200);
    assertThat(last().uri()).isEqualTo("/api/tags?verbose=true&x=a%20b");
  }

  @Test
  void pathsAreFolded() {
    HttpResponse<String> bare = fx.post("/generate", "{\"model\":\"llama3.2\",\"prompt\":\"x\",\"stream\":false}");
    assertThat(bare.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(bare.body()).getString("response")).isEqualTo(TEN_TOKENS);
    assertThat(last().uri()).isEqualTo("/api/generate");

    HttpResponse<String> doubled = fx.post("/api/api/chat",
        "{\"model\":\"llama3.2\",\"stream\":false,\"messages\":[]}");
    assertThat(doubled.statusCode()).isEqualTo(200);
    assertThat(last().uri()).isEqualTo("/api/chat");

    HttpResponse<String> openAi = fx.get("/api/v1/models");
    assertThat(openAi.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(openAi.body()).getString("object")).isEqualTo("list");
    assertThat(last().uri()).isEqualTo("/v1/models");
  }

  @Test
  void upstreamUrlEndingInApiIsTheSameUpstream() {
    Gateway gateway = GatewayFixture.startGateway(Map.of("OLLAMA_URL", fx.emulator().url() + "/api/"));
    try {
      HttpResponse<String> chat = GatewayFixture.send(HttpRequest.newBuilder(
              java.net.URI.create(GatewayFixture.url(gateway) + "/api/chat?k=v"))
          .timeout(Duration.ofSeconds(10))
          .header("Authorization", "Bearer " + GatewayFixture.TOKEN)
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.2\",\"stream\":false,\"messages\":[]}")));
      assertThat(chat.statusCode()).isEqualTo(200);
      assertThat(last().uri()).isEqualTo("/api/chat?k=v");
    } finally {
      GatewayFixture.await(gateway.stop(Duration.ZERO));
    }
  }
}
