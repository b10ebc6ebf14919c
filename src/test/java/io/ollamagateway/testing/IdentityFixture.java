package io.ollamagateway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.config.ConfigLoader;
import io.ollamagateway.config.GatewayConfig;
import io.ollamagateway.config.Settings;
import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.server.Gateway;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gateway in front of the emulator on a test store, with an admin key made the way a fresh install makes
 * it ({@code keys create --admin --name bootstrap --json}), and helpers to make users and keys through the
 * admin API.
 */
public final class IdentityFixture implements AutoCloseable {

  public final TestDatabase database;
  public final OllamaEmulator emulator;
  public final Gateway gateway;
  public final Http http;
  public final String adminKey;
  public final Path workDir;

  public IdentityFixture(TestDatabase database, Map<String, String> settings) throws Exception {
    this.database = database;
    this.workDir = Files.createTempDirectory("gateway-work-");
    this.adminKey = bootstrapAdminKey(database, workDir);
    this.emulator = OllamaEmulator.start(EmulatorOptions.defaults()).await(30, TimeUnit.SECONDS);
    Map<String, String> values = new HashMap<>(Map.of("OLLAMA_URL", emulator.url(), "DATABASE_URL", database.url(),
        "EVENT_LOOPS", "2", "ACCESS_LOG", "true", "AUTH_FAILURE_LIMIT", "0"));
    values.putAll(settings);
    // A free port chosen here rather than port 0: the core's Gateway does not start with port 0 and more than
    // one event loop (reported to the lead); two loops show that the key caches are shared between loops.
    GatewayConfig config = new ConfigLoader(Settings.of(values)).load().withListen("127.0.0.1", freePort());
    this.gateway = Gateway.start(config, () -> config,
        io.ollamagateway.config.ObservabilityConfig.from(Settings.of(values))).await(60, TimeUnit.SECONDS);
    this.http = new Http(gateway.port());
  }

  /** The first admin key of a fresh store, made the way a fresh install makes it; the secret. */
  public static String bootstrapAdminKey(TestDatabase database, Path workDir) {
    Cli.Result bootstrap = Cli.run(Map.of("DATABASE_URL", database.url()), workDir,
        "keys", "create", "--admin", "--name", "bootstrap", "--json");
    assertThat(bootstrap.status()).as(bootstrap.err()).isZero();
    return new JsonObject(bootstrap.out()).getString("key");
  }

  public static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Creates a user through the admin API and answers its id. */
  public long user(String name, String role) {
    Http.Answer created = http.post("/admin/api/users", new JsonObject().put("name", name).put("role", role).encode(),
        Http.bearer(adminKey));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json().getLong("id");
  }

  /** Creates a key through the admin API; {@code settings} adds fields such as models. Answers the JSON. */
  public JsonObject key(long userId, String name, JsonObject settings) {
    JsonObject body = new JsonObject().put("name", name).put("user_id", userId).mergeIn(settings);
    Http.Answer created = http.post("/admin/api/keys", body.encode(), Http.bearer(adminKey));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json();
  }

  @Override
  public void close() throws Exception {
    gateway.stop(Duration.ofSeconds(1)).await(30, TimeUnit.SECONDS);
    emulator.stop().await(30, TimeUnit.SECONDS);
  }
}
