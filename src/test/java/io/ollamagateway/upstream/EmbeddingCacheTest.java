package io.ollamagateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embeddings cache end to end against the emulator: a repeated input is answered without the upstream, in
 * each route's shape; a batch with some inputs cached asks only for the others and is merged in order; the
 * opt-out header; keys carry the options and the tenant; hits are requests without upstream tokens.
 */
class EmbeddingCacheTest {

  @TempDir
  Path dir;

  private UpstreamsFixture gateway;
  private OllamaEmulator emulator;

  @BeforeEach
  void start() throws Exception {
    gateway = new UpstreamsFixture(dir).set("REQUEST_LOG", "true");
    emulator = gateway.emulator(EmulatorOptions.DEFAULT_MODELS, Set.of(), Set.of());
    gateway.start("""
        upstreams:
          - {name: local, url: "%s"}
        aliases:
          embedder: [local:nomic-embed-text]
        """.formatted(emulator.url()));
  }

  @AfterEach
  void close() throws Exception {
    gateway.close();
  }

  private HttpResponse<String> embed(String input, String... headers) throws Exception {
    return gateway.post("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":" + input + "}", headers);
  }

  private long upstreamEmbeds() {
    return emulator.stats().requests();
  }

  @Test
  void aRepeatedInputIsAnsweredFromTheCacheAsARequestWithoutUpstreamTokens() throws Exception {
    HttpResponse<String> first = embed("\"alpha\"");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("X-Gateway-Cache")).hasValue("miss");
    long before = upstreamEmbeds();

    HttpResponse<String> second = embed("\"alpha\"");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue("X-Gateway-Cache")).hasValue("hit");
    assertThat(upstreamEmbeds()).isEqualTo(before);
    JsonObject hit = new JsonObject(second.body());
    assertThat(hit.getString("model")).isEqualTo("nomic-embed-text");
    assertThat(hit.getJsonArray("embeddings")).isEqualTo(new JsonObject(first.body()).getJsonArray("embeddings"));

    JsonObject row = gateway.lastLogged(r -> r.getLong("cached_tokens", 0L) > 0);
    assertThat(row.getInteger("status")).isEqualTo(200);
    assertThat(row.getLong("prompt_tokens")).isZero();
    assertThat(row.getLong("cached_tokens")).isPositive();

    // the OpenAI-compatible route shares the vectors, in its own shape
    HttpResponse<String> openAi = gateway.post("/v1/embeddings", "{\"model\":\"nomic-embed-text\",\"input\":"
        + "[\"alpha\"]}");
    assertThat(openAi.headers().firstValue("X-Gateway-Cache")).hasValue("hit");
    JsonObject data = new JsonObject(openAi.body()).getJsonArray("data").getJsonObject(0);
    assertThat(data.getInteger("index")).isZero();
    assertThat(data.getJsonArray("embedding")).isEqualTo(hit.getJsonArray("embeddings").getJsonArray(0));
    assertThat(upstreamEmbeds()).isEqualTo(before);
  }

  @Test
  void aBatchWithSomeInputsCachedAsksOnlyForTheOthersAndKeepsTheOrder() throws Exception {
    embed("[\"a\",\"c\"]");
    HttpResponse<String> partial = embed("[\"a\",\"b\",\"c\",\"d\"]");
    assertThat(partial.statusCode()).isEqualTo(200);
    assertThat(partial.headers().firstValue("X-Gateway-Cache")).hasValue("partial");
    assertThat(new JsonObject(emulator.stats().lastRequest().body()).getJsonArray("input"))
        .isEqualTo(new JsonArray().add("b").add("d"));

    HttpResponse<String> uncached = embed("[\"a\",\"b\",\"c\",\"d\"]", "X-Gateway-Cache", "off");
    assertThat(uncached.headers().firstValue("X-Gateway-Cache")).isEmpty();
    assertThat(new JsonObject(emulator.stats().lastRequest().body()).getJsonArray("input")).hasSize(4);
    assertThat(new JsonObject(partial.body()).getJsonArray("embeddings"))
        .isEqualTo(new JsonObject(uncached.body()).getJsonArray("embeddings"));
  }

  @Test
  void theOptOutHeaderSkipsTheCache() throws Exception {
    embed("\"alpha\"");
    long before = upstreamEmbeds();
    HttpResponse<String> off = embed("\"alpha\"", "X-Gateway-Cache", "off");
    assertThat(off.statusCode()).isEqualTo(200);
    assertThat(upstreamEmbeds()).isEqualTo(before + 1);
  }

  @Test
  void optionsAndTheLegacyRouteHaveKeysOfTheirOwnAndAnAliasSharesItsTargets() throws Exception {
    embed("\"alpha\"");
    long before = upstreamEmbeds();
    HttpResponse<String> truncated = gateway.post("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":\"alpha\","
        + "\"truncate\":false}");
    assertThat(truncated.headers().firstValue("X-Gateway-Cache")).hasValue("miss");
    HttpResponse<String> legacy = gateway.post("/api/embeddings", "{\"model\":\"nomic-embed-text\",\"prompt\":\"alpha\"}");
    assertThat(legacy.headers().firstValue("X-Gateway-Cache")).hasValue("miss");
    HttpResponse<String> legacyAgain = gateway.post("/api/embeddings",
        "{\"model\":\"nomic-embed-text\",\"prompt\":\"alpha\"}");
    assertThat(legacyAgain.headers().firstValue("X-Gateway-Cache")).hasValue("hit");
    assertThat(new JsonObject(legacyAgain.body()).getJsonArray("embedding"))
        .isEqualTo(new JsonObject(legacy.body()).getJsonArray("embedding"));
    assertThat(upstreamEmbeds()).isEqualTo(before + 2);

    HttpResponse<String> alias = gateway.post("/api/embed", "{\"model\":\"embedder\",\"input\":\"alpha\"}");
    assertThat(alias.headers().firstValue("X-Gateway-Cache")).hasValue("hit");
    assertThat(new JsonObject(alias.body()).getString("model")).isEqualTo("embedder");
    HttpResponse<String> aliasMiss = gateway.post("/api/embed", "{\"model\":\"embedder\",\"input\":\"omega\"}");
    assertThat(aliasMiss.headers().firstValue("X-Gateway-Cache")).hasValue("miss");
    assertThat(new JsonObject(aliasMiss.body()).getString("model")).isEqualTo("embedder");
    HttpResponse<String> direct = gateway.post("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":\"omega\"}");
    assertThat(direct.headers().firstValue("X-Gateway-Cache")).hasValue("hit");
  }

  @Test
  void tenantsDoNotShareEntries() throws Exception {
    String one = gateway.userKey(null);
    String two = gateway.userKey(null);
    assertThat(embed("\"secret text\"", "Authorization", "Bearer " + one).headers().firstValue("X-Gateway-Cache"))
        .hasValue("miss");
    assertThat(embed("\"secret text\"", "Authorization", "Bearer " + two).headers().firstValue("X-Gateway-Cache"))
        .hasValue("miss");
    assertThat(embed("\"secret text\"", "Authorization", "Bearer " + one).headers().firstValue("X-Gateway-Cache"))
        .hasValue("hit");
  }
}
