package io.ollamagateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.config.ConfigLoader;
import io.ollamagateway.config.Settings;
import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.server.Gateway;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-key cloud proxy's set-up as its README writes it (config/config.yaml with keys:, PROXY_AUTH_TOKEN and
 * ALLOW_UNAUTHENTICATED_ACCESS in .env), in front of an emulator playing Ollama Cloud whose first key's quota is
 * spent: {@code /stats} rows say which upstream key carried the load, by its index, never the key.
 */
class MultiKeyStatsTest {

  private static final String GENERATE = "{\"model\":\"llama3.2:latest\",\"prompt\":\"Warum ist der Himmel blau?\","
      + "\"stream\":false}";

  @TempDir
  Path dir;

  @Test
  void statsRowsCarryTheUpstreamAndItsKeyIndex() throws Exception {
    OllamaEmulator cloud = GatewayFixture.await(OllamaEmulator.start(EmulatorOptions.defaults()
        .withKeys(Set.of("key_1"), Set.of("key_1", "key_2", "key_3"))));
    Files.createDirectories(dir.resolve("config"));
    Files.writeString(dir.resolve("config/config.yaml"), """
        keys:
          - "key_1"
          - "key_2"
          - "key_3"
        """);
    Files.writeString(dir.resolve(".env"), """
        PROXY_AUTH_TOKEN=ein_geheimes_passwort_fuer_lokal
        ALLOW_UNAUTHENTICATED_ACCESS=false
        """);
    // OLLAMA_URL only because the Cloud is played by the emulator here; the rest is the proxy's own files
    Map<String, String> environment = Map.of("OLLAMA_URL", cloud.url(), "PORT", "0", "HOST", "127.0.0.1",
        "EVENT_LOOPS", "1", "USAGE_FLUSH_INTERVAL", "50ms", "DATABASE_URL", "sqlite:///" + dir.resolve("gateway.db"));
    Gateway gateway = GatewayFixture.await(Gateway.start(new ConfigLoader(Settings.load(Map.of(), environment, dir,
        null)).load()));
    try {
      Http http = new Http(gateway.port());
      String[] token = Http.bearer("ein_geheimes_passwort_fuer_lokal");
      assertThat(http.post("/api/generate", GENERATE, token).status()).isEqualTo(200);
      assertThat(http.post("/api/generate", GENERATE, token).status()).isEqualTo(200);
      assertThat(http.post("/api/generate", GENERATE).status()).isEqualTo(401);

      assertThat(GatewayFixture.eventually(Duration.ofSeconds(10),
          () -> http.get("/stats", token).array().stream().mapToLong(r -> ((JsonObject) r).getLong("requests"))
              .sum() == 2)).isTrue();
      Http.Answer stats = http.get("/stats", token);
      JsonArray rows = stats.array();
      assertThat(rows).hasSize(1);
      JsonObject row = rows.getJsonObject(0);
      assertThat(row.getString("upstream")).isEqualTo("default");
      assertThat(row.getInteger("key_index")).isEqualTo(1); // key_1 answered 429: key_2 carried both
      assertThat(row.getString("model")).isEqualTo("llama3.2:latest");
      assertThat(row.getString("key")).isEqualTo("shared-token");
      assertThat(row.getLong("requests")).isEqualTo(2L);
      assertThat(row.getLong("completion_tokens")).isPositive();
      assertThat(row.fieldNames()).contains("date", "hour", "prompt_tokens");
      assertThat(stats.body()).doesNotContain("key_2").doesNotContain("key_1");
    } finally {
      GatewayFixture.await(gateway.stop(Duration.ofSeconds(1)));
      GatewayFixture.await(cloud.stop());
    }
  }
}
