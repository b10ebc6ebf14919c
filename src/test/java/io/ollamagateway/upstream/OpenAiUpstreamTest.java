package io.ollamagateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream of kind openai (the emulator in its OpenAI-only mode): native requests are translated both ways,
 * streams arrive as NDJSON with the server's usage, /v1 requests pass through, model lists come from /v1/models.
 */
class OpenAiUpstreamTest {

  @TempDir
  Path dir;

  private UpstreamsFixture gateway;
  private OllamaEmulator server;

  @BeforeEach
  void start() throws Exception {
    gateway = new UpstreamsFixture(dir).set("REQUEST_LOG", "true");
    server = OllamaEmulator.start(EmulatorOptions.defaults().withTiming(java.time.Duration.ZERO, 5,
        java.time.Duration.ZERO).withOpenAiOnly(true)).await(10, TimeUnit.SECONDS);
    gateway.emulators.add(server);
    gateway.start("""
        upstreams:
          - {name: vllm, url: "%s/v1", kind: openai}
        aliases:
          assistant: [vllm:llama3.2]
        """.formatted(server.url()));
  }

  @AfterEach
  void close() throws Exception {
    gateway.close();
  }

  @Test
  void theServerReallyHasNoNativeRoutes() throws Exception {
    var direct = gateway.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url()
        + "/api/chat")).POST(java.net.http.HttpRequest.BodyPublishers.ofString(UpstreamsFixture.chat("llama3.2",
        false))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(direct.statusCode()).isEqualTo(404);
  }

  @Test
  void aStreamedNativeChatArrivesAsNdjsonWithTheServersUsage() throws Exception {
    HttpResponse<String> answer = gateway.post("/api/chat", UpstreamsFixture.chat("llama3.2", true));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/x-ndjson"));
    List<JsonObject> lines = answer.body().lines().map(JsonObject::new).toList();
    assertThat(lines).hasSize(6); // five tokens and the final line
    assertThat(lines.subList(0, 5)).allSatisfy(line -> {
      assertThat(line.getBoolean("done")).isFalse();
      assertThat(line.getString("model")).isEqualTo("llama3.2");
      assertThat(line.getJsonObject("message").getString("content")).isNotEmpty();
    });
    JsonObject last = lines.get(5);
    assertThat(last.getBoolean("done")).isTrue();
    assertThat(last.getString("done_reason")).isEqualTo("stop");
    assertThat(last.getLong("eval_count")).isEqualTo(5);
    assertThat(last.getLong("prompt_eval_count")).isPositive();

    JsonObject sent = new JsonObject(server.stats().lastRequest().body());
    assertThat(server.stats().lastRequest().uri()).isEqualTo("/v1/chat/completions");
    assertThat(sent.getJsonObject("stream_options").getBoolean("include_usage")).isTrue();

    JsonObject row = lastLogged("/api/chat");
    assertThat(row.getLong("completion_tokens")).isEqualTo(5);
    assertThat(row.getLong("prompt_tokens")).isEqualTo(last.getLong("prompt_eval_count"));
    assertThat(row.getBoolean("estimated")).isFalse();
  }

  @Test
  void aNonStreamedChatAndAGenerationAreTranslated() throws Exception {
    HttpResponse<String> chat = gateway.post("/api/chat", UpstreamsFixture.chat("llama3.2", false));
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    JsonObject body = new JsonObject(chat.body());
    assertThat(body.getJsonObject("message").getString("role")).isEqualTo("assistant");
    assertThat(body.getJsonObject("message").getString("content")).isNotEmpty();
    assertThat(body.getBoolean("done")).isTrue();
    assertThat(body.getLong("eval_count")).isEqualTo(5);

    HttpResponse<String> generate = gateway.post("/api/generate",
        "{\"model\":\"llama3.2\",\"prompt\":\"hi\",\"options\":{\"num_predict\":3}}");
    assertThat(generate.statusCode()).as(generate.body()).isEqualTo(200);
    List<JsonObject> lines = generate.body().lines().map(JsonObject::new).toList();
    assertThat(lines.stream().filter(l -> !l.getBoolean("done")).map(l -> l.getString("response"))
        .collect(Collectors.joining())).isNotEmpty();
    assertThat(lines.get(lines.size() - 1).getLong("eval_count")).isEqualTo(3);
    assertThat(lines.get(lines.size() - 1).getString("done_reason")).isEqualTo("length");
    assertThat(new JsonObject(server.stats().lastRequest().body()).getInteger("max_tokens")).isEqualTo(3);
  }

  @Test
  void embeddingsAreTranslatedInOrder() throws Exception {
    HttpResponse<String> embed = gateway.post("/api/embed",
        "{\"model\":\"nomic-embed-text\",\"input\":[\"one\",\"two\",\"three\"]}");
    assertThat(embed.statusCode()).as(embed.body()).isEqualTo(200);
    JsonObject body = new JsonObject(embed.body());
    assertThat(body.getJsonArray("embeddings")).hasSize(3);
    assertThat(body.getLong("prompt_eval_count")).isPositive();
    HttpResponse<String> single = gateway.post("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":\"two\"}",
        "X-Gateway-Cache", "off");
    assertThat(new JsonObject(single.body()).getJsonArray("embeddings").getJsonArray(0))
        .isEqualTo(body.getJsonArray("embeddings").getJsonArray(1));

    // the embeddings cache works in front of such a server too: a partial batch, merged in the native shape
    HttpResponse<String> partial = gateway.post("/api/embed",
        "{\"model\":\"nomic-embed-text\",\"input\":[\"one\",\"four\",\"three\"]}");
    assertThat(partial.headers().firstValue("X-Gateway-Cache")).hasValue("partial");
    assertThat(new JsonObject(server.stats().lastRequest().body()).getJsonArray("input"))
        .isEqualTo(new JsonArray().add("four"));
    JsonArray merged = new JsonObject(partial.body()).getJsonArray("embeddings");
    assertThat(merged).hasSize(3);
    assertThat(merged.getJsonArray(0)).isEqualTo(body.getJsonArray("embeddings").getJsonArray(0));
    assertThat(merged.getJsonArray(2)).isEqualTo(body.getJsonArray("embeddings").getJsonArray(2));
    assertThat(new JsonObject(partial.body()).getString("model")).isEqualTo("nomic-embed-text");
  }

  @Test
  void openAiRequestsPassThroughAndErrorsKeepTheirStatus() throws Exception {
    HttpResponse<String> chat = gateway.post("/v1/chat/completions", UpstreamsFixture.chat("llama3.2", false));
    assertThat(chat.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(chat.body()).getString("object")).isEqualTo("chat.completion");

    HttpResponse<String> unknown = gateway.post("/api/chat", UpstreamsFixture.chat("mistral", false));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(unknown.body()).getString("error")).contains("mistral");
  }

  @Test
  void modelListsComeFromTheServersModelsWithTheAliases() throws Exception {
    HttpResponse<String> tags = gateway.get("/api/tags");
    assertThat(tags.statusCode()).isEqualTo(200);
    List<String> names = new JsonObject(tags.body()).getJsonArray("models").stream()
        .map(m -> ((JsonObject) m).getString("name")).toList();
    assertThat(names).contains("assistant", "llama3.2:latest", "nomic-embed-text:latest");

    // an alias to an OpenAI-compatible target: translated, and named as asked
    HttpResponse<String> chat = gateway.post("/api/chat", UpstreamsFixture.chat("assistant", true));
    List<JsonObject> lines = chat.body().lines().map(JsonObject::new).toList();
    assertThat(lines).allSatisfy(line -> assertThat(line.getString("model")).isEqualTo("assistant"));
    assertThat(new JsonObject(server.stats().lastRequest().body()).getString("model")).isEqualTo("llama3.2");
  }

  private JsonObject lastLogged(String path) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      HttpResponse<String> rows = gateway.admin("GET", "/admin/api/requests?limit=1");
      JsonArray list = new JsonArray(rows.body());
      if (!list.isEmpty() && list.getJsonObject(0).getString("path").equals(path)) {
        return list.getJsonObject(0);
      }
      assertThat(System.nanoTime()).as("a request log row").isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
