package io.ollamagateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.GatewayProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that try to make the gateway hold memory or connections: declared sizes, many bodies at once, slow
 * heads and bodies, and bodies that keep coming after a refusal. Where memory is the point the gateway runs in
 * a process of its own at {@code -Xmx128m -XX:+ExitOnOutOfMemoryError}, so an OutOfMemoryError kills it and
 * the test fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileResourceTest {

  private static final String TOKEN = GatewayFixture.TOKEN;
  private static final String AUTH = "Authorization: Bearer " + TOKEN;

  @TempDir
  Path dir;

  private GatewayFixture fixture;

  @BeforeAll
  void start() {
    fixture = GatewayFixture.start("MAX_BODY_SIZE", "4mb", "MAX_BODY_BYTES_IN_FLIGHT", "1mb",
        "CLIENT_HEADER_TIMEOUT", "1s", "CLIENT_BODY_TIMEOUT", "1s");
  }

  @AfterAll
  void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static byte[] json(int size) {
    byte[] body = new byte[size];
    Arrays.fill(body, (byte) ' ');
    byte[] start = "{\"model\":\"llama3.2\",\"prompt\":\"".getBytes(StandardCharsets.UTF_8);
    System.arraycopy(start, 0, body, 0, start.length);
    Arrays.fill(body, start.length, size - 2, (byte) 'a');
    body[size - 2] = '"';
    body[size - 1] = '}';
    return body;
  }

  /** Writes the whole request before reading, as Python's requests and HttpURLConnection do. */
  private static Wire.Answer sequential(Wire wire, String method, String path, byte[] body, String... headers)
      throws Exception {
    CompletableFuture.runAsync(() -> wire.request(method, path, body, headers)).get(15, TimeUnit.SECONDS);
    return wire.read();
  }

  @Test
  void declaredLengthsDoNotAllocateMemory() throws Exception {
    OllamaEmulator emulator = GatewayFixture.await(OllamaEmulator.start(EmulatorOptions.defaults()));
    int port = GatewayFixture.closedPort();
    Map<String, String> env = new HashMap<>(Map.of("PORT", String.valueOf(port), "HOST", "127.0.0.1",
        "OLLAMA_URL", emulator.url(), "PROXY_AUTH_TOKEN", TOKEN, "EVENT_LOOPS", "2",
        "DATABASE_URL", "sqlite:" + dir.resolve("oom.db")));
    List<Wire> open = new ArrayList<>();
    try (GatewayProcess gateway = GatewayProcess.java(List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError"), env, dir,
        "serve")) {
      gateway.awaitLine(l -> l.contains("listening on"), Duration.ofSeconds(60));
      for (int i = 0; i < 40; i++) {
        Wire wire = Wire.connect(port, 10_000);
        open.add(wire);
        wire.write(Wire.head("POST", "/api/chat", AUTH, "Content-Type: application/json",
            "Content-Length: " + (32 * 1024 * 1024 - 1)) + "{\"model\":");
      }
      GatewayFixture.sleep(1500);
      assertThat(gateway.alive()).as(String.join("\n", gateway.lines())).isTrue();
      try (Wire wire = Wire.connect(port, 10_000)) {
        wire.write(Wire.head("GET", "/api/version", AUTH, "Connection: close"));
        assertThat(wire.read().status()).isEqualTo(200);
      }
      // bodies that really arrive, together far more than the heap: the in-flight cap (derived from the heap)
      // refuses some with 503 and the process lives
      List<CompletableFuture<Integer>> big = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        big.add(CompletableFuture.supplyAsync(() -> {
          try (Wire wire = Wire.connect(port, 20_000)) {
            return sequential(wire, "POST", "/api/generate", json(12 * 1024 * 1024 - 1), AUTH,
                "Content-Type: application/json").status();
          } catch (Exception e) {
            return -1;
          }
        }));
      }
      CompletableFuture.allOf(big.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      assertThat(gateway.alive()).as(String.join("\n", gateway.lines())).isTrue();
      assertThat(big).extracting(CompletableFuture::join).contains(503);
    } finally {
      open.forEach(Wire::close);
      GatewayFixture.await(emulator.stop());
    }
  }

  @Test
  void bodiesInFlightBeyondTheCapGet503WithRetryAfter() throws Exception {
    try (Wire first = Wire.connect(fixture.port(), 10_000); Wire second = Wire.connect(fixture.port(), 10_000)) {
      byte[] body = json(900 * 1024);
      first.write(Wire.head("POST", "/api/generate", AUTH, "Content-Type: application/json",
          "Content-Length: " + body.length));
      first.write(Arrays.copyOf(body, 800 * 1024));
      GatewayFixture.sleep(300);
      Wire.Answer refused = sequential(second, "POST", "/api/generate", body, AUTH,
          "Content-Type: application/json");
      assertThat(refused.status()).as(refused.body()).isEqualTo(503);
      assertThat(refused.header("Retry-After")).isNotBlank();
      assertThat(refused.body()).contains("MAX_BODY_BYTES_IN_FLIGHT");
    }
  }

  @Test
  void abandonedBodiesGiveTheirBytesBack() throws Exception {
    byte[] body = json(900 * 1024);
    for (int i = 0; i < 3; i++) {
      try (Wire wire = Wire.connect(fixture.port(), 10_000)) {
        wire.write(Wire.head("POST", "/api/generate", AUTH, "Content-Type: application/json",
            "Content-Length: " + body.length));
        wire.write(Arrays.copyOf(body, 800 * 1024));
        GatewayFixture.sleep(100);
      }
    }
    GatewayFixture.sleep(200); // well under CLIENT_BODY_TIMEOUT: only the closed connections free the bytes
    try (Wire wire = Wire.connect(fixture.port(), 10_000)) {
      Wire.Answer answer = sequential(wire, "POST", "/api/generate", body, AUTH, "Content-Type: application/json",
          "X-Emulator-Chunks: 1");
      assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }
  }

  @Test
  void aSlowHeadIsCut() {
    try (Wire wire = Wire.connect(fixture.port(), 5_000)) {
      wire.write("POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
      long start = System.nanoTime();
      assertThat(wire.closedByPeer()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void aSlowHeadOnAKeptAliveConnectionIsCut() {
    try (Wire wire = Wire.connect(fixture.port(), 5_000)) {
      wire.write(Wire.head("GET", "/api/version", AUTH));
      assertThat(wire.read().status()).isEqualTo(200);
      GatewayFixture.sleep(1500); // idle between requests: longer than the head deadline, and that is fine
      wire.write(Wire.head("GET", "/api/version", AUTH));
      assertThat(wire.read().status()).isEqualTo(200);
      wire.write("GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
      long start = System.nanoTime();
      assertThat(wire.closedByPeer()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void aSlowBodyGets408AndAClosedConnection() {
    try (Wire wire = Wire.connect(fixture.port(), 5_000)) {
      wire.write(Wire.head("POST", "/api/chat", AUTH, "Content-Type: application/json", "Content-Length: 100")
          + "{\"model\":");
      Wire.Answer answer = wire.read();
      assertThat(answer.status()).as(answer.body()).isEqualTo(408);
      assertThat(wire.closedByPeer()).isTrue();
    }
  }

  @Test
  void aSequentialClientReadsThe413() throws Exception {
    try (Wire wire = Wire.connect(fixture.port(), 10_000)) {
      Wire.Answer answer = sequential(wire, "POST", "/api/chat", json(6 * 1024 * 1024), AUTH,
          "Content-Type: application/json");
      assertThat(answer.status()).as(answer.body()).isEqualTo(413);
      assertThat(answer.body()).contains("MAX_BODY_SIZE");
      assertThat(wire.closedByPeer()).isTrue();
    }
  }

  @Test
  void aSequentialClientReadsARefusalOfItsUnreadBody() throws Exception {
    try (Wire wire = Wire.connect(fixture.port(), 10_000)) {
      Wire.Answer answer = sequential(wire, "POST", "/api/chat", json(3 * 1024 * 1024), "Authorization: Bearer nope",
          "Content-Type: application/json");
      assertThat(answer.status()).as(answer.body()).isEqualTo(401);
    }
    try (Wire wire = Wire.connect(fixture.port(), 10_000)) {
      Wire.Answer answer = sequential(wire, "PUT", "/api/chat", json(3 * 1024 * 1024), AUTH,
          "Content-Type: application/json");
      assertThat(answer.status()).as(answer.body()).isEqualTo(405);
      assertThat(answer.header("Allow")).isEqualTo("POST");
    }
  }
}
