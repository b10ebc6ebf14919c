package io.ollamagateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.RawHttp;
import io.vertx.core.Future;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping lets answers under way finish, in-process and on SIGTERM, and takes no new connections. */
class GracefulShutdownTest {

  private static final String CHAT = "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  /** A stream of about 1.5 s: 10 chunks, 150 ms apart. */
  private static RawHttp startSlowStream(int port) {
    RawHttp client = RawHttp.connect(port, 0);
    client.send("POST", "/api/chat", CHAT, "Authorization: Bearer " + GatewayFixture.TOKEN,
        "X-Emulator-Chunks: 10", "X-Emulator-Interval-Ms: 150");
    client.readHead();
    assertThat(client.status()).isEqualTo(200);
    assertThat(client.nextChunk()).contains("\"done\":false");
    return client;
  }

  private static boolean refusesConnections(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return false;
    } catch (ConnectException refused) {
      return true;
    } catch (IOException other) {
      return false;
    }
  }

  @Test
  void stopLetsARunningStreamFinishAndRefusesNewConnections() {
    GatewayFixture fx = GatewayFixture.start();
    Future<Void> stopped = null;
    try (RawHttp client = startSlowStream(fx.port())) {
      long completedBefore = fx.emulator().stats().streamsCompleted();
      stopped = fx.gateway().stop(Duration.ofSeconds(5));

      assertThat(GatewayFixture.eventually(Duration.ofSeconds(1), () -> refusesConnections(fx.port())))
          .as("new connections refused once stop began").isTrue();
      assertThat(fx.emulator().stats().streamsCompleted()).as("stream still running").isEqualTo(completedBefore);

      String rest = client.readBody();
      List<String> lines = rest.lines().toList();
      assertThat(lines.get(lines.size() - 1)).contains("\"done\":true");
      GatewayFixture.await(stopped);
      assertThat(fx.emulator().stats().streamsCompleted()).isEqualTo(completedBefore + 1);
    } finally {
      if (stopped == null) {
        fx.close();
      } else {
        GatewayFixture.await(fx.emulator().stop());
      }
    }
  }

  @Test
  void sigtermLetsARunningStreamFinishAndExitsZero(@TempDir Path dir) throws Exception {
    OllamaEmulator emulator = GatewayFixture.await(OllamaEmulator.start(EmulatorOptions.defaults()));
    int port = GatewayFixture.closedPort();
    Path log = dir.resolve("gateway.log");
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
        "io.ollamagateway.Main", "--host", "127.0.0.1", "--port", String.valueOf(port),
        "--ollama-url", emulator.url(), "-s", "SHUTDOWN_GRACE=10s", "-s", "EVENT_LOOPS=1")
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("PROXY_AUTH_TOKEN", GatewayFixture.TOKEN);
    Process process = builder.start();
    try {
      boolean up = GatewayFixture.eventually(Duration.ofSeconds(30), () -> {
        try {
          return GatewayFixture.http().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
              .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString())
              .statusCode() == 200;
        } catch (IOException | InterruptedException e) {
          return false;
        }
      });
      assertThat(up).as("gateway process answers /health; log: %s", read(log)).isTrue();

      try (RawHttp client = startSlowStream(port)) {
        process.destroy();
        List<String> lines = client.readBody().lines().toList();
        assertThat(lines.get(lines.size() - 1)).contains("\"done\":true");
      }
      assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("process exited").isTrue();
      assertThat(process.exitValue()).as("exit status; log: %s", read(log)).isEqualTo(0);
      assertThat(read(log)).contains("shutting down");
    } finally {
      process.destroyForcibly();
      GatewayFixture.await(emulator.stop());
    }
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }
}
