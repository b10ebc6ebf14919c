package io.ollamagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorStats;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.RawHttp;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Streams reach the client as they are produced, at the client's pace, and die with the client. */
class StreamingTest {

  private static final String CHAT = "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  private static GatewayFixture fx;

  @BeforeAll
  static void start() {
    fx = GatewayFixture.start();
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  private static EmulatorStats stats() {
    return fx.emulator().stats();
  }

  @Test
  void chunksArriveAsTheUpstreamProducesThem() {
    long interval = 150;
    HttpResponse<Stream<String>> response = GatewayFixture.send(fx.request("/api/chat")
        .header("X-Emulator-Chunks", "5").header("X-Emulator-Interval-Ms", String.valueOf(interval))
        .POST(HttpRequest.BodyPublishers.ofString(CHAT)), HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    List<Long> arrivals = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    response.body().forEach(line -> {
      arrivals.add(System.nanoTime());
      lines.add(line);
    });
    assertThat(lines).hasSize(6);
    assertThat(new JsonObject(lines.get(5)).getBoolean("done")).isTrue();
    // The upstream spends 4 intervals between the first chunk and the done line; a gateway that buffered
    // the answer would deliver them together.
    long firstToLastMillis = (arrivals.get(5) - arrivals.get(0)) / 1_000_000;
    assertThat(firstToLastMillis).isGreaterThanOrEqualTo(2 * interval);
  }

  @Test
  void aClientThatDoesNotReadPausesTheUpstream() {
    // 32 MB of answer: more than the socket buffers between emulator and client can hold once the client's
    // receive buffer is fixed small (loopback receive buffers otherwise grow up to tcp_rmem's maximum, 32 MB
    // here, and could swallow the whole answer with or without backpressure).
    int chunks = 1000;
    long completedBefore = stats().streamsCompleted();
    long cancelledBefore = stats().streamsCancelled();
    long writtenBefore = stats().chunksWritten();
    try (RawHttp client = RawHttp.connect(fx.port(), 64 * 1024)) {
      client.send("POST", "/api/generate", "{\"model\":\"llama3.2\",\"prompt\":\"go\"}",
          "Authorization: Bearer " + GatewayFixture.TOKEN, "X-Emulator-Chunks: " + chunks,
          "X-Emulator-Interval-Ms: 0", "X-Emulator-Chunk-Bytes: 32768");
      client.readHead();
      assertThat(client.status()).isEqualTo(200);

      // Without backpressure the gateway would take everything the emulator writes into its heap, and the
      // emulator would only stop once it had written the whole answer.
      long[] previous = {-1};
      long[] stableSince = {System.nanoTime()};
      boolean stalled = GatewayFixture.eventually(Duration.ofSeconds(15), () -> {
        long now = stats().chunksWritten() - writtenBefore;
        if (now != previous[0]) {
          previous[0] = now;
          stableSince[0] = System.nanoTime();
        }
        return now > 0 && System.nanoTime() - stableSince[0] > 500_000_000L;
      });
      assertThat(stalled).as("the emulator stopped writing while the client did not read").isTrue();
      System.out.println("backpressure: " + previous[0] + " of " + chunks + " chunks written at the stall");
      assertThat(previous[0]).as("chunks written before the stall").isLessThan(chunks / 2);
      assertThat(stats().streamsCompleted()).isEqualTo(completedBefore);
    }
    // the client left while the upstream was paused: the upstream is cancelled, not run to its end
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(10),
        () -> stats().streamsCancelled() > cancelledBefore)).as("upstream stream cancelled").isTrue();
    assertThat(stats().streamsCompleted()).isEqualTo(completedBefore);
  }

  @Test
  void aClientThatLeavesCancelsTheUpstreamStream() {
    long cancelledBefore = stats().streamsCancelled();
    long completedBefore = stats().streamsCompleted();
    try (RawHttp client = RawHttp.connect(fx.port(), 0)) {
      client.send("POST", "/api/chat", CHAT, "Authorization: Bearer " + GatewayFixture.TOKEN,
          "X-Emulator-Chunks: 40", "X-Emulator-Interval-Ms: 100");
      client.readHead();
      assertThat(client.status()).isEqualTo(200);
      assertThat(client.nextChunk()).contains("\"done\":false");
    }
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(3),
        () -> stats().streamsCancelled() == cancelledBefore + 1)).as("upstream stream cancelled").isTrue();
    assertThat(stats().streamsCompleted()).isEqualTo(completedBefore);
  }
}
