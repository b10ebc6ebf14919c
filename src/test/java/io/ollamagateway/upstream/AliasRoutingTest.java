package io.ollamagateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model aliases and fallback chains against several emulators: the first available target serves, a 5xx, an
 * overload, a dead upstream or a timeout before the first byte moves the request on, a failure after it does not;
 * the answer names the alias; allowlists apply to the alias and to its targets; model lists show aliases per key.
 */
class AliasRoutingTest {

  private static final String ALIAS = "gpt-4o-mini";

  @TempDir
  Path dir;

  private UpstreamsFixture gateway;
  private Vertx vertx;

  @AfterEach
  void close() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Upstream a has llama3.2, b has qwen2.5:0.5b; the alias goes to a first, then b. */
  private void twoTargets() throws Exception {
    gateway = new UpstreamsFixture(dir).set("REQUEST_LOG", "true");
    OllamaEmulator a = gateway.emulator(List.of("llama3.2:latest"), Set.of(), Set.of());
    OllamaEmulator b = gateway.emulator(List.of("qwen2.5:0.5b"), Set.of(), Set.of());
    start(a.url(), b.url());
  }

  private void start(String urlA, String urlB) throws Exception {
    gateway.start("""
        upstreams:
          - {name: a, url: "%s"}
          - {name: b, url: "%s"}
        aliases:
          %s: [a:llama3.2, b:qwen2.5:0.5b]
        """.formatted(urlA, urlB, ALIAS));
  }

  private OllamaEmulator a() {
    return gateway.emulators.get(0);
  }

  private OllamaEmulator b() {
    return gateway.emulators.get(gateway.emulators.size() - 1);
  }

  @Test
  void anAliasGoesToItsFirstTargetAndTheAnswerNamesTheAlias() throws Exception {
    twoTargets();
    HttpResponse<String> answer = gateway.post("/api/chat", UpstreamsFixture.chat(ALIAS, false));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(new JsonObject(answer.body()).getString("model")).isEqualTo(ALIAS);
    assertThat(new JsonObject(a().stats().lastRequest().body()).getString("model")).isEqualTo("llama3.2");
    assertThat(b().stats().lastRequest().uri()).doesNotContain("chat"); // its health check only

    HttpResponse<String> openAi = gateway.post("/v1/chat/completions", UpstreamsFixture.chat(ALIAS, false));
    assertThat(openAi.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(openAi.body()).getString("model")).isEqualTo(ALIAS);
  }

  @Test
  void aTargetAnswering500FallsBackAndEveryStreamedLineNamesTheAlias() throws Exception {
    twoTargets();
    a().failWith(500);
    HttpResponse<String> answer = gateway.post("/api/chat", UpstreamsFixture.chat(ALIAS, true));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    List<JsonObject> lines = answer.body().lines().map(JsonObject::new).toList();
    assertThat(lines).hasSizeGreaterThan(2);
    assertThat(lines).allSatisfy(line -> assertThat(line.getString("model")).isEqualTo(ALIAS));
    assertThat(lines.get(lines.size() - 1).getBoolean("done")).isTrue();
    assertThat(new JsonObject(b().stats().lastRequest().body()).getString("model")).isEqualTo("qwen2.5:0.5b");

    // usage records the alias and the target that served it
    JsonObject row = gateway.lastLogged(r -> r.getString("path").equals("/api/chat"));
    assertThat(row.getString("model")).isEqualTo(ALIAS);
    assertThat(row.getString("target_model")).isEqualTo("qwen2.5:0.5b");
    assertThat(row.getString("upstream")).isEqualTo("b");
    assertThat(row.getLong("completion_tokens")).isPositive();
  }

  @Test
  void anOverloadedTargetFallsBack() throws Exception {
    twoTargets();
    a().failWith(503);
    HttpResponse<String> answer = gateway.post("/api/generate",
        "{\"model\":\"" + ALIAS + "\",\"prompt\":\"hi\",\"stream\":false}");
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(new JsonObject(answer.body()).getString("model")).isEqualTo(ALIAS);
    assertThat(b().stats().lastRequest().uri()).isEqualTo("/api/generate");
  }

  @Test
  void whenEveryTargetFailsTheClientGetsTheLastError() throws Exception {
    twoTargets();
    a().failWith(500);
    b().failWith(503);
    HttpResponse<String> answer = gateway.post("/api/chat", UpstreamsFixture.chat(ALIAS, false));
    assertThat(answer.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(answer.body()).getString("error")).contains("upstream 'b'").contains("busy");
  }

  @Test
  void aTargetThatIsDownFallsBack() throws Exception {
    twoTargets();
    a().stop().await(10, TimeUnit.SECONDS); // healthy at its last check, refusing connections now
    HttpResponse<String> answer = gateway.post("/api/embed", "{\"model\":\"" + ALIAS + "\",\"input\":\"hi\"}");
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(new JsonObject(answer.body()).getString("model")).isEqualTo(ALIAS);
    assertThat(b().stats().lastRequest().uri()).isEqualTo("/api/embed");
  }

  @Test
  void aTargetThatSendsNothingInTimeFallsBack() throws Exception {
    gateway = new UpstreamsFixture(dir).set("UPSTREAM_IDLE_TIMEOUT", "1s");
    OllamaEmulator slow = OllamaEmulator.start(new EmulatorOptions("127.0.0.1", 0, Duration.ofSeconds(4), 5,
        Duration.ZERO, -1, List.of("llama3.2:latest"), Set.of(), Set.of(), 1)).await(10, TimeUnit.SECONDS);
    gateway.emulators.add(slow);
    OllamaEmulator b = gateway.emulator(List.of("qwen2.5:0.5b"), Set.of(), Set.of());
    start(slow.url(), b.url());
    HttpResponse<String> answer = gateway.post("/api/chat", UpstreamsFixture.chat(ALIAS, false));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(new JsonObject(answer.body()).getString("model")).isEqualTo(ALIAS);
    assertThat(b.stats().lastRequest().uri()).isEqualTo("/api/chat");
  }

  @Test
  void aTargetThatBreaksAfterTheFirstByteIsNeverRepeated() throws Exception {
    vertx = Vertx.vertx();
    // lists llama3.2 (healthy), then answers every POST with one NDJSON line and drops the connection
    HttpServer broken = vertx.createHttpServer().requestHandler(request -> {
      if (request.method().name().equals("GET")) {
        request.response().putHeader("Content-Type", "application/json").end(new JsonObject().put("models",
            new JsonArray().add(new JsonObject().put("name", "llama3.2:latest").put("model", "llama3.2:latest")))
            .encode());
        return;
      }
      request.body().onSuccess(body -> {
        request.response().setChunked(true).putHeader("Content-Type", "application/x-ndjson");
        request.response().write("{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"Hel\"},"
            + "\"done\":false}\n").onComplete(v -> vertx.setTimer(50, t -> request.connection().close()));
      });
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    gateway = new UpstreamsFixture(dir);
    OllamaEmulator b = gateway.emulator(List.of("qwen2.5:0.5b"), Set.of(), Set.of());
    start("http://127.0.0.1:" + broken.actualPort(), b.url());
    long before = b.stats().requests();

    HttpResponse<String> answer = gateway.post("/api/chat", UpstreamsFixture.chat(ALIAS, true));
    assertThat(answer.statusCode()).isEqualTo(200);
    List<JsonObject> lines = answer.body().lines().map(JsonObject::new).toList();
    assertThat(lines.get(0).getString("model")).isEqualTo(ALIAS);
    assertThat(lines.get(0).getJsonObject("message").getString("content")).isEqualTo("Hel");
    assertThat(lines.get(lines.size() - 1).getString("error")).contains("upstream 'a'");
    assertThat(b.stats().requests()).isEqualTo(before);
  }

  @Test
  void allowlistsApplyToTheAliasAndToItsTargets() throws Exception {
    twoTargets();
    String aliasAndQwen = gateway.userKey(new JsonArray().add(ALIAS).add("qwen*"));
    String llamaOnly = gateway.userKey(new JsonArray().add("llama3*"));
    String aliasOnly = gateway.userKey(new JsonArray().add(ALIAS));

    // the first target's model is not allowed: the second serves
    long beforeA = a().stats().requests();
    HttpResponse<String> served = gateway.post("/api/chat", UpstreamsFixture.chat(ALIAS, false),
        "Authorization", "Bearer " + aliasAndQwen);
    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    assertThat(new JsonObject(served.body()).getString("model")).isEqualTo(ALIAS);
    assertThat(a().stats().requests()).isEqualTo(beforeA);
    assertThat(new JsonObject(b().stats().lastRequest().body()).getString("model")).isEqualTo("qwen2.5:0.5b");

    HttpResponse<String> aliasRefused = gateway.post("/api/chat", UpstreamsFixture.chat(ALIAS, false),
        "Authorization", "Bearer " + llamaOnly);
    assertThat(aliasRefused.statusCode()).isEqualTo(403);
    HttpResponse<String> noTarget = gateway.post("/api/chat", UpstreamsFixture.chat(ALIAS, false),
        "Authorization", "Bearer " + aliasOnly);
    assertThat(noTarget.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(noTarget.body()).getString("error")).contains("none of its targets");
    assertThat(a().stats().requests()).isEqualTo(beforeA);

    // model lists: each key sees the alias only when it may use it
    assertThat(tags(aliasAndQwen)).containsExactly(ALIAS, "qwen2.5:0.5b");
    assertThat(tags(llamaOnly)).containsExactly("llama3.2:latest");
    assertThat(tags(aliasOnly)).isEmpty();
    HttpResponse<String> models = gateway.get("/v1/models", "Authorization", "Bearer " + aliasAndQwen);
    assertThat(new JsonObject(models.body()).getJsonArray("data").stream()
        .map(m -> ((JsonObject) m).getString("id")).toList()).containsExactly(ALIAS, "qwen2.5:0.5b");

    // one model by its id: the alias is answered by the gateway for a key that may use it, as listed
    long upstreamRequests = a().stats().requests() + b().stats().requests();
    HttpResponse<String> one = gateway.get("/v1/models/" + ALIAS, "Authorization", "Bearer " + aliasAndQwen);
    assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
    assertThat(new JsonObject(one.body()).getString("id")).isEqualTo(ALIAS);
    assertThat(new JsonObject(one.body()).getString("object")).isEqualTo("model");
    assertThat(a().stats().requests() + b().stats().requests()).isEqualTo(upstreamRequests);
    assertThat(gateway.get("/v1/models/" + ALIAS, "Authorization", "Bearer " + llamaOnly).statusCode())
        .isEqualTo(403);
    assertThat(gateway.get("/v1/models/" + ALIAS, "Authorization", "Bearer " + aliasOnly).statusCode())
        .isEqualTo(404);
  }

  @Test
  void withOneUpstreamTheAliasIsListedBesideItsModelsAndTheAdminApiShowsIt() throws Exception {
    gateway = new UpstreamsFixture(dir);
    OllamaEmulator only = gateway.emulator(EmulatorOptions.DEFAULT_MODELS, Set.of(), Set.of());
    gateway.start("""
        upstreams:
          - {name: local, url: "%s"}
        aliases:
          fast: [local:qwen2.5:0.5b]
        """.formatted(only.url()));
    HttpResponse<String> tags = gateway.get("/api/tags");
    List<String> names = new JsonObject(tags.body()).getJsonArray("models").stream()
        .map(m -> ((JsonObject) m).getString("name")).toList();
    assertThat(names).contains("fast", "llama3.2:latest", "qwen2.5:0.5b");
    JsonObject fast = new JsonObject(tags.body()).getJsonArray("models").stream().map(JsonObject.class::cast)
        .filter(m -> m.getString("name").equals("fast")).findFirst().orElseThrow();
    assertThat(fast.getString("model")).isEqualTo("fast");
    assertThat(fast.getLong("size")).isPositive(); // the target's entry, renamed

    HttpResponse<String> aliases = gateway.admin("GET", "/admin/api/aliases");
    assertThat(aliases.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(aliases.body()).getJsonArray("aliases").getJsonObject(0).getJsonArray("targets")
        .getJsonObject(0).getString("upstream")).isEqualTo("local");

    // a reload reads the aliases again
    gateway.rewrite("""
        upstreams:
          - {name: local, url: "%s"}
        aliases:
          quick: [local:llama3.2]
        """.formatted(only.url()));
    assertThat(gateway.admin("POST", "/admin/api/reload").statusCode()).isEqualTo(200);
    HttpResponse<String> quick = gateway.post("/api/chat", UpstreamsFixture.chat("quick", false));
    assertThat(new JsonObject(quick.body()).getString("model")).isEqualTo("quick");
    assertThat(new JsonObject(only.stats().lastRequest().body()).getString("model")).isEqualTo("llama3.2");
    assertThat(gateway.post("/api/chat", UpstreamsFixture.chat("fast", false)).statusCode()).isEqualTo(404);
  }

  private List<String> tags(String key) throws Exception {
    HttpResponse<String> tags = gateway.get("/api/tags", "Authorization", "Bearer " + key);
    assertThat(tags.statusCode()).isEqualTo(200);
    return new JsonObject(tags.body()).getJsonArray("models").stream()
        .map(m -> ((JsonObject) m).getString("name")).collect(Collectors.toList());
  }
}
