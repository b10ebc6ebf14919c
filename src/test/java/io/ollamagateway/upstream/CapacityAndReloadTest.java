package io.ollamagateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.OllamaEmulator;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-upstream concurrency cap and its fair queue, and reloading upstreams under load. */
class CapacityAndReloadTest {

  @TempDir
  Path dir;

  private UpstreamsFixture gateway;

  @AfterEach
  void close() throws Exception {
    gateway.close();
  }

  @Test
  void oneCallerFloodingTheQueueCannotStarveAnother() throws Exception {
    gateway = new UpstreamsFixture(dir);
    OllamaEmulator emulator = gateway.emulator(List.of("llama3.2:latest"), Set.of(), Set.of());
    gateway.start("""
        upstreams:
          - {name: local, url: "%s", max_concurrent: 1, queue_size: 20}
        """.formatted(emulator.url()));

    List<String> finished = new CopyOnWriteArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    // the first request holds the only slot long enough for the queue to be set up without a race
    answers.add(send("flood-0", 2000, finished)); // anonymous caller
    awaitQueue(1, 0);
    for (int i = 1; i < 6; i++) {
      answers.add(send("flood-" + i, 100, finished));
    }
    awaitQueue(1, 5);
    answers.add(send("quiet", 100, finished, "Authorization", "Bearer " + UpstreamsFixture.ADMIN_TOKEN));
    awaitQueue(1, 6);
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

    assertThat(answers).allSatisfy(a -> assertThat(a.get().statusCode()).isEqualTo(200));
    assertThat(emulator.stats().streamsStarted()).isZero();
    // first-come-first-served would make the quiet caller last; taking turns makes it third
    assertThat(finished.get(0)).isEqualTo("flood-0");
    assertThat(finished.indexOf("quiet")).isEqualTo(2);
    JsonObject queue = upstream(0).getJsonObject("queue");
    assertThat(queue.getLong("admitted_after_wait")).isEqualTo(6);
    assertThat(queue.getLong("total_wait_ms")).isPositive();
    assertThat(queue.getInteger("waiting")).isZero();
    // the same wait, as Prometheus sees it
    String metrics = gateway.admin("GET", "/metrics").body();
    assertThat(metrics).contains("gateway_upstream_queue_admitted_after_wait{upstream=\"local\"} 6.0",
        "gateway_upstream_queue_waiting{upstream=\"local\"} 0.0");
    java.util.regex.Matcher waited = java.util.regex.Pattern
        .compile("gateway_upstream_queue_wait_seconds\\{upstream=\"local\"} ([0-9.]+)").matcher(metrics);
    assertThat(waited.find()).as(metrics).isTrue();
    assertThat(Double.parseDouble(waited.group(1))).isPositive();
  }

  @Test
  void aFullQueueIsAnswered503WithRetryAfter() throws Exception {
    gateway = new UpstreamsFixture(dir);
    OllamaEmulator emulator = gateway.emulator(List.of("llama3.2:latest"), Set.of(), Set.of());
    gateway.start("""
        upstreams:
          - {name: local, url: "%s", max_concurrent: 1, queue_size: 1}
        """.formatted(emulator.url()));
    List<String> finished = new CopyOnWriteArrayList<>();
    CompletableFuture<HttpResponse<String>> first = send("first", 1000, finished);
    awaitQueue(1, 0);
    CompletableFuture<HttpResponse<String>> second = send("second", 20, finished);
    awaitQueue(1, 1);
    HttpResponse<String> refused = gateway.post("/api/chat", UpstreamsFixture.chat("llama3.2", false));
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(new JsonObject(refused.body()).getString("error")).contains("concurrency limit");
    assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(second.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  @Test
  void aReloadSwapsUpstreamsWhileARunningStreamFinishesWhereItStarted() throws Exception {
    gateway = new UpstreamsFixture(dir);
    OllamaEmulator a = gateway.emulator(List.of("llama3.2:latest"), Set.of(), Set.of());
    OllamaEmulator b = gateway.emulator(List.of("llama3.2:latest"), Set.of(), Set.of());
    gateway.start("""
        upstreams:
          - {name: a, url: "%s"}
        """.formatted(a.url()));

    HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.base() + "/api/chat"))
        .timeout(Duration.ofSeconds(20))
        .header("X-Emulator-Chunks", "20")
        .header("X-Emulator-Interval-Ms", "40")
        .POST(HttpRequest.BodyPublishers.ofString(UpstreamsFixture.chat("llama3.2", true)))
        .build();
    HttpResponse<InputStream> stream = gateway.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      lines.add(reader.readLine());

      gateway.rewrite("""
          upstreams:
            - {name: b, url: "%s", keys: [key-bbbbbbbb]}
          """.formatted(b.url()));
      HttpResponse<String> reload = gateway.admin("POST", "/admin/api/reload");
      assertThat(reload.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(reload.body()).getJsonArray("upstreams")).hasSize(1);
      assertThat(a.stats().streamsCompleted()).isZero(); // the reload did not wait for the stream

      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.add(line);
      }
    }
    assertThat(lines.get(lines.size() - 1)).contains("\"done\":true");
    assertThat(lines).hasSize(21);
    assertThat(a.stats().streamsCompleted()).isEqualTo(1);

    long beforeB = b.stats().requestsWithKey("key-bbbbbbbb");
    assertThat(gateway.post("/api/chat", UpstreamsFixture.chat("llama3.2", false)).statusCode()).isEqualTo(200);
    assertThat(b.stats().requestsWithKey("key-bbbbbbbb") - beforeB).isEqualTo(1);
    assertThat(upstream(0).getString("name")).isEqualTo("b");
    assertThat(new JsonObject(gateway.get("/health", "Authorization", "Bearer " + UpstreamsFixture.ADMIN_TOKEN)
        .body()).getJsonArray("upstreams").getJsonObject(0)
        .getString("name")).isEqualTo("b");

    // an invalid file is refused and the running upstreams stay
    gateway.rewrite("""
        upstreams:
          - {name: c}
        """);
    HttpResponse<String> refused = gateway.admin("POST", "/admin/api/reload");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(refused.body()).getString("error")).contains("upstreams[0].url");
    assertThat(upstream(0).getString("name")).isEqualTo("b");
  }

  /** Sends a chat request on a connection of its own; records when it is answered. */
  private CompletableFuture<HttpResponse<String>> send(String id, long ttftMillis, List<String> finished,
      String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.base() + "/api/chat"))
        .timeout(Duration.ofSeconds(20))
        .header("X-Emulator-TTFT-Ms", Long.toString(ttftMillis))
        .POST(HttpRequest.BodyPublishers.ofString(UpstreamsFixture.chat("llama3.2", false)));
    if (headers.length > 0) {
      request.headers(headers);
    }
    HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    return own.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
        .whenComplete((answer, err) -> finished.add(id));
  }

  private void awaitQueue(int inFlight, int waiting) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      JsonObject upstream = upstream(0);
      if (upstream.getInteger("in_flight") == inFlight
          && upstream.getJsonObject("queue").getInteger("waiting") == waiting) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("queue never reached " + inFlight + " in flight, " + waiting + " waiting: "
            + upstream.encode());
      }
      Thread.sleep(5);
    }
  }

  private JsonObject upstream(int index) throws Exception {
    return new JsonObject(gateway.admin("GET", "/admin/api/upstreams").body()).getJsonArray("upstreams")
        .getJsonObject(index);
  }
}
