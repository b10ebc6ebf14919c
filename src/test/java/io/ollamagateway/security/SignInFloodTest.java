package io.ollamagateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.GatewayProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forty wrong console passwords at once, each from its own address and for its own user name (so that the
 * per-address and per-user sign-in delays do not space them out), against a gateway process with a 128 MiB
 * heap that exits on OutOfMemoryError. Each check is an Argon2id hash of 19 MiB: run all at once, they do not
 * fit. The gateway must answer every attempt (401, or 429 with Retry-After) and stay up.
 */
class SignInFloodTest {

  private static final int ATTEMPTS = 40;

  @TempDir
  Path dir;

  @Test
  void fortyParallelWrongPasswordsDoNotTakeTheGatewayDown() throws Exception {
    OllamaEmulator emulator = GatewayFixture.await(OllamaEmulator.start(EmulatorOptions.defaults()));
    int port = GatewayFixture.closedPort();
    Map<String, String> env = Map.of("PORT", String.valueOf(port), "HOST", "127.0.0.1",
        "OLLAMA_URL", emulator.url(), "PROXY_AUTH_TOKEN", GatewayFixture.TOKEN, "EVENT_LOOPS", "1",
        "DATABASE_URL", "sqlite:" + dir.resolve("gateway.db"));
    ExecutorService clients = Executors.newFixedThreadPool(ATTEMPTS);
    try (GatewayProcess gateway = GatewayProcess.java(List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError"), env,
        dir, "serve")) {
      gateway.awaitLine(l -> l.contains("listening on"), Duration.ofSeconds(60));
      CountDownLatch go = new CountDownLatch(1);
      List<Future<FromAddress.Answer>> answers = new ArrayList<>();
      for (int i = 0; i < ATTEMPTS; i++) {
        String local = "127.0.1." + (10 + i);
        String body = "{\"username\":\"guess" + i + "\",\"password\":\"not the password " + i + "\"}";
        answers.add(clients.submit(() -> {
          go.await();
          return FromAddress.send(local, port, "POST", "/ui/session", body);
        }));
      }
      go.countDown();
      int tooMany = 0;
      for (Future<FromAddress.Answer> future : answers) {
        FromAddress.Answer answer;
        try {
          answer = future.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw new AssertionError("an attempt got no answer (alive: " + gateway.alive() + "):\n"
              + String.join("\n", gateway.lines()), e.getCause());
        }
        assertThat(answer.status()).as(answer.body()).isIn(401, 429);
        if (answer.status() == 429) {
          tooMany++;
          assertThat(answer.header("Retry-After")).isNotNull();
        }
      }
      assertThat(gateway.alive()).as(String.join("\n", gateway.lines())).isTrue();
      assertThat(tooMany).as("attempts beyond the few checked at once are refused at once").isPositive();
      // and it still serves
      FromAddress.Answer health = FromAddress.send("127.0.0.1", port, "GET", "/health", null);
      assertThat(health.status()).isEqualTo(200);
    } finally {
      clients.shutdownNow();
      GatewayFixture.await(emulator.stop());
    }
  }
}
