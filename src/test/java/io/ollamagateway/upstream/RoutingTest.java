package io.ollamagateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.OllamaEmulator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several upstreams: routing by model, model lists, failover, and no repeat once an answer has started. */
class RoutingTest {

  @TempDir
  Path dir;

  private UpstreamsFixture gateway;

  @AfterEach
  void close() throws Exception {
    gateway.close();
  }

  private UpstreamsFixture twoUpstreams(List<String> modelsA, List<String> modelsB, int weightA) throws Exception {
    gateway = new UpstreamsFixture(dir);
    OllamaEmulator a = gateway.emulator(modelsA, Set.of(), Set.of());
    OllamaEmulator b = gateway.emulator(modelsB, Set.of(), Set.of());
    gateway.start("""
        upstreams:
          - {name: a, url: "%s", weight: %d}
          - {name: b, url: "%s"}
        """.formatted(a.url(), weightA, b.url()));
    return gateway;
  }

  @Test
  void aRequestGoesToTheUpstreamThatHasItsModel() throws Exception {
    twoUpstreams(List.of("llama3.2:latest"), List.of("qwen2.5:0.5b"), 1);
    OllamaEmulator a = gateway.emulators.get(0);
    OllamaEmulator b = gateway.emulators.get(1);
    long beforeA = a.stats().requests();
    long beforeB = b.stats().requests();

    HttpResponse<String> qwen = gateway.post("/api/chat", UpstreamsFixture.chat("qwen2.5:0.5b", false));
    assertThat(qwen.statusCode()).isEqualTo(200);
    assertThat(b.stats().requests() - beforeB).isEqualTo(1);
    assertThat(b.stats().lastRequest().uri()).isEqualTo("/api/chat");
    assertThat(a.stats().requests() - beforeA).isZero();

    HttpResponse<String> llama = gateway.post("/api/chat", UpstreamsFixture.chat("llama3.2", false));
    assertThat(llama.statusCode()).isEqualTo(200);
    assertThat(a.stats().requests() - beforeA).isEqualTo(1);
    assertThat(b.stats().requests() - beforeB).isEqualTo(1);
  }

  @Test
  void anUnknownModelIs404InTheCalledApisShape() throws Exception {
    twoUpstreams(List.of("llama3.2:latest"), List.of("qwen2.5:0.5b"), 1);
    HttpResponse<String> nativeAnswer = gateway.post("/api/chat", UpstreamsFixture.chat("mistral", false));
    assertThat(nativeAnswer.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(nativeAnswer.body()).getString("error")).isEqualTo("model 'mistral' not found");
    HttpResponse<String> openAi = gateway.post("/v1/chat/completions", UpstreamsFixture.chat("mistral", false));
    assertThat(openAi.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(openAi.body()).getJsonObject("error").getString("message"))
        .isEqualTo("model 'mistral' not found");
  }

  @Test
  void modelListsAreTheUnionOfAllUpstreams() throws Exception {
    twoUpstreams(List.of("llama3.2:latest", "qwen2.5:0.5b"), List.of("qwen2.5:0.5b", "phi3:mini"), 1);
    JsonArray tags = new JsonObject(gateway.get("/api/tags").body()).getJsonArray("models");
    List<String> names = new ArrayList<>();
    tags.forEach(m -> names.add(((JsonObject) m).getString("name")));
    assertThat(names).containsExactly("llama3.2:latest", "phi3:mini", "qwen2.5:0.5b");

    JsonObject models = new JsonObject(gateway.get("/v1/models").body());
    assertThat(models.getString("object")).isEqualTo("list");
    List<String> ids = new ArrayList<>();
    models.getJsonArray("data").forEach(m -> ids.add(((JsonObject) m).getString("id")));
    assertThat(ids).containsExactly("llama3.2:latest", "phi3:mini", "qwen2.5:0.5b");
  }

  @Test
  void whenAnUpstreamIsStoppedTheNextOneWithTheModelAnswers() throws Exception {
    twoUpstreams(List.of("llama3.2:latest"), List.of("llama3.2:latest"), 5);
    OllamaEmulator a = gateway.emulators.get(0);
    OllamaEmulator b = gateway.emulators.get(1);
    long beforeB = b.stats().requests();
    // weight 5 makes a the first choice while both are idle
    assertThat(gateway.post("/api/chat", UpstreamsFixture.chat("llama3.2", false)).statusCode()).isEqualTo(200);
    assertThat(b.stats().requests() - beforeB).isZero();

    a.stop().await(5, TimeUnit.SECONDS);
    HttpResponse<String> answer = gateway.post("/api/chat", UpstreamsFixture.chat("llama3.2", true));
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).contains("\"done\":true");
    assertThat(b.stats().requests() - beforeB).isEqualTo(1);

    JsonObject upstreamA = new JsonObject(gateway.admin("GET", "/admin/api/upstreams").body())
        .getJsonArray("upstreams").getJsonObject(0);
    assertThat(upstreamA.getBoolean("healthy")).isFalse();
    assertThat(upstreamA.getString("last_error")).contains("unreachable");
  }

  @Test
  void anUpstreamLeavesTheRotationWhenItsHealthCheckFailsAndComesBackWhenWell() throws Exception {
    gateway = new UpstreamsFixture(dir).set("HEALTH_CHECK_INTERVAL", "100ms");
    OllamaEmulator a = gateway.emulator(List.of("llama3.2:latest"), Set.of(), Set.of());
    OllamaEmulator b = gateway.emulator(List.of("llama3.2:latest"), Set.of(), Set.of());
    int portA = a.port();
    gateway.start("""
        upstreams:
          - {name: a, url: "%s", weight: 5}
          - {name: b, url: "%s"}
        """.formatted(a.url(), b.url()));

    a.stop().await(5, TimeUnit.SECONDS);
    awaitHealthy(false);
    long beforeB = b.stats().requests();
    assertThat(gateway.post("/api/chat", UpstreamsFixture.chat("llama3.2", false)).statusCode()).isEqualTo(200);
    assertThat(b.stats().requests() - beforeB).isGreaterThanOrEqualTo(1);

    OllamaEmulator again = OllamaEmulator.start(new io.ollamagateway.emulator.EmulatorOptions("127.0.0.1", portA,
        Duration.ZERO, 5, Duration.ZERO, -1, List.of("llama3.2:latest"), Set.of(), Set.of(), 1))
        .await(10, TimeUnit.SECONDS);
    gateway.emulators.add(again);
    awaitHealthy(true);
    // weight 5 makes the returned upstream the first choice again (health checks hit it too, so count streams)
    assertThat(gateway.post("/api/chat", UpstreamsFixture.chat("llama3.2", true)).statusCode()).isEqualTo(200);
    assertThat(again.stats().streamsStarted()).isEqualTo(1);
  }

  private void awaitHealthy(boolean healthy) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (new JsonObject(gateway.admin("GET", "/admin/api/upstreams").body()).getJsonArray("upstreams")
        .getJsonObject(0).getBoolean("healthy") != healthy) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("upstream a never became " + (healthy ? "healthy" : "unhealthy"));
      }
      Thread.sleep(20);
    }
  }

  @Test
  void aStreamThatBreaksAfterItsFirstByteIsNotRepeated() throws Exception {
    twoUpstreams(List.of("llama3.2:latest"), List.of("llama3.2:latest"), 5);
    OllamaEmulator a = gateway.emulators.get(0);
    OllamaEmulator b = gateway.emulators.get(1);
    long beforeA = a.stats().requests();
    long beforeB = b.stats().requests();
    HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.base() + "/api/chat"))
        .timeout(Duration.ofSeconds(20))
        .header("X-Emulator-Chunks", "50")
        .header("X-Emulator-Interval-Ms", "50")
        .POST(HttpRequest.BodyPublishers.ofString(UpstreamsFixture.chat("llama3.2", true)))
        .build();
    HttpResponse<InputStream> answer = gateway.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(answer.statusCode()).isEqualTo(200);
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(answer.body(), StandardCharsets.UTF_8))) {
      lines.add(reader.readLine()); // the first byte has reached the client
      a.stop().await(5, TimeUnit.SECONDS);
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.add(line);
      }
    } catch (java.io.IOException cut) {
      // a cut connection is an acceptable end too; what matters is below
    }
    assertThat(lines.get(lines.size() - 1)).contains("broke off the answer");
    assertThat(lines.get(0)).contains("\"done\":false");
    assertThat(lines).noneMatch(line -> line.contains("\"done\":true"));
    assertThat(a.stats().requests() - beforeA).isEqualTo(1);
    assertThat(b.stats().requests() - beforeB).isZero();
  }
}
