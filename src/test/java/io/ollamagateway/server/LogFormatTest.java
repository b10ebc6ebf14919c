package io.ollamagateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.testing.Cli;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.GatewayProcess;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LOG_FORMAT, LOG_LEVEL and LOG_LEVELS, seen on the standard output of a gateway process of its own (the
 * in-process gateways of the other tests share this JVM's logging).
 */
class LogFormatTest {

  private static final String TOKEN = "log-test-shared-token-93kd";
  private static final String WRONG_KEY = "sk-WrongKeyWrongKeyWrongKeyWrongKeyWrongKey1234";

  @TempDir
  static Path dir;

  private static OllamaEmulator emulator;

  @BeforeAll
  static void startEmulator() {
    emulator = GatewayFixture.await(OllamaEmulator.start(EmulatorOptions.defaults()));
  }

  @AfterAll
  static void stopEmulator() {
    GatewayFixture.await(emulator.stop());
  }

  private static Map<String, String> environment(int port, String... more) {
    Map<String, String> env = new HashMap<>(Map.of("PORT", String.valueOf(port), "HOST", "127.0.0.1",
        "OLLAMA_URL", emulator.url(), "PROXY_AUTH_TOKEN", TOKEN, "EVENT_LOOPS", "1",
        "DATABASE_URL", "sqlite:" + dir.resolve(port + ".db")));
    env.putAll(GatewayFixture.pairs(more));
    return env;
  }

  private static void call(int port, String path, String credential) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + credential);
    if (path.equals("/api/chat")) {
      request.POST(HttpRequest.BodyPublishers.ofString(
          "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
    }
    HttpResponse<String> response = GatewayFixture.send(request);
    assertThat(response.statusCode()).isIn(200, 401);
  }

  @Test
  void jsonFormatWritesEveryLineAsAJsonObjectWithoutSecrets() {
    int port = GatewayFixture.closedPort();
    List<String> lines;
    try (GatewayProcess gateway = GatewayProcess.java(environment(port, "LOG_FORMAT", "json"), dir, "serve")) {
      gateway.awaitLine(l -> l.contains("listening on"), Duration.ofSeconds(60));
      call(port, "/api/chat", TOKEN);
      call(port, "/api/tags", WRONG_KEY);
      gateway.awaitLine(l -> l.contains("tags 401"), Duration.ofSeconds(10));
      assertThat(gateway.stop(Duration.ofSeconds(30))).isEqualTo(0);
      lines = gateway.lines();
    }
    assertThat(lines).isNotEmpty();
    for (String line : lines) {
      JsonObject json;
      try {
        json = new JsonObject(line);
      } catch (DecodeException e) {
        throw new AssertionError("not a JSON line: " + line, e);
      }
      assertThat(json.getString("level")).as(line).isNotBlank();
      assertThat(json.getString("loggerName")).as(line).isNotBlank();
      assertThat(json.getLong("timestamp")).as(line).isPositive();
      assertThat(json.containsKey("formattedMessage")).as(line).isTrue();
    }
    assertThat(lines).anySatisfy(line -> {
      JsonObject json = new JsonObject(line);
      assertThat(json.getString("loggerName")).isEqualTo("access");
      assertThat(json.getString("formattedMessage")).startsWith("POST /api/chat 200").contains("model=llama3.2");
    });
    assertThat(lines).anySatisfy(line -> assertThat(new JsonObject(line).getString("formattedMessage"))
        .contains("stopped"));
    assertThat(String.join("\n", lines)).doesNotContain(TOKEN).doesNotContain(WRONG_KEY)
        .doesNotContain(WRONG_KEY.substring(12));
  }

  @Test
  void textIsTheDefaultAndLevelsApplyPerLogger() {
    int port = GatewayFixture.closedPort();
    try (GatewayProcess gateway = GatewayProcess.java(environment(port, "LOG_LEVELS", "access=WARN"), dir,
        "serve")) {
      String listening = gateway.awaitLine(l -> l.contains("listening on"), Duration.ofSeconds(60));
      assertThat(listening).doesNotStartWith("{").contains(" INFO ");
      call(port, "/api/chat", TOKEN);
      assertThat(gateway.stop(Duration.ofSeconds(30))).isEqualTo(0);
      assertThat(gateway.lines()).isNotEmpty().noneMatch(l -> l.contains("/api/chat 200"))
          .anyMatch(l -> l.contains("stopped"));
    }
  }

  @Test
  void logLevelWarnHidesInfoLines() {
    int port = GatewayFixture.closedPort();
    try (GatewayProcess gateway = GatewayProcess.java(environment(port, "LOG_LEVEL", "warn"), dir, "serve")) {
      // the start is only visible through the port
      org.assertj.core.api.Assertions.assertThat(GatewayFixture.eventually(Duration.ofSeconds(60), () -> {
        try {
          return GatewayFixture.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")))
              .statusCode() == 200;
        } catch (RuntimeException e) {
          return false;
        }
      })).isTrue();
      call(port, "/api/chat", TOKEN);
      assertThat(gateway.stop(Duration.ofSeconds(30))).isEqualTo(0);
      assertThat(gateway.lines()).noneMatch(l -> l.contains(" INFO "));
    }
  }

  @Test
  void invalidValuesStopTheStartNamingTheSetting() {
    for (String[] bad : List.of(new String[] {"LOG_FORMAT", "xml", "LOG_FORMAT (from environment): 'xml' is not one of text, json"},
        new String[] {"LOG_LEVEL", "LOUD", "LOG_LEVEL (from environment): 'LOUD' is not a log level"},
        new String[] {"LOG_LEVELS", "access", "LOG_LEVELS (from environment): 'access' is not LOGGER=LEVEL"},
        new String[] {"LOG_LEVELS", "access=LOUD", "LOG_LEVELS (from environment): 'access=LOUD' is not LOGGER=LEVEL"})) {
      Cli.Result result = Cli.run(environment(0, bad[0], bad[1]), dir, "serve");
      assertThat(result.status()).as(bad[1]).isEqualTo(2);
      assertThat(result.err()).as(bad[1]).contains("configuration error: " + bad[2]);
    }
  }
}
