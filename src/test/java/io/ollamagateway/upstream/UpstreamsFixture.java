package io.ollamagateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.config.ConfigLoader;
import io.ollamagateway.config.GatewayConfig;
import io.ollamagateway.config.Settings;
import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.server.Gateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * Emulators and an in-process gateway configured by a YAML {@code upstreams:} list, plus a plain blocking
 * HTTP client for the tests' side. Closed by the test.
 */
final class UpstreamsFixture implements AutoCloseable {

  static final String ADMIN_TOKEN = "admin-token-for-tests";

  final List<OllamaEmulator> emulators = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final Path dir;
  private final Map<String, String> env = new HashMap<>();
  private final AtomicReference<String> yaml = new AtomicReference<>();
  Gateway gateway;

  UpstreamsFixture(Path dir) {
    this.dir = dir;
    env.put("HOST", "127.0.0.1");
    env.put("PORT", "0");
    env.put("EVENT_LOOPS", "1");
    env.put("DATABASE_URL", "sqlite:" + dir.resolve("gateway.db"));
    env.put("PROXY_AUTH_TOKEN", ADMIN_TOKEN);
    env.put("ALLOW_UNAUTHENTICATED_ACCESS", "true");
    env.put("HEALTH_CHECK_INTERVAL", "1h");
    env.put("UPSTREAM_CONNECT_TIMEOUT", "2s");
  }

  UpstreamsFixture set(String name, String value) {
    env.put(name, value);
    return this;
  }

  OllamaEmulator emulator(List<String> models, Set<String> rateLimited, Set<String> required) throws Exception {
    EmulatorOptions options = new EmulatorOptions("127.0.0.1", 0, Duration.ZERO, 5, Duration.ZERO, -1, models,
        rateLimited, required, 1);
    OllamaEmulator emulator = OllamaEmulator.start(options).await(10, TimeUnit.SECONDS);
    emulators.add(emulator);
    return emulator;
  }

  UpstreamsFixture start(String upstreamsYaml) throws Exception {
    yaml.set(upstreamsYaml);
    GatewayConfig config = load();
    gateway = Gateway.start(config, this::load).await(20, TimeUnit.SECONDS);
    return this;
  }

  /** Changes the config file a reload reads. */
  void rewrite(String upstreamsYaml) {
    yaml.set(upstreamsYaml);
  }

  private GatewayConfig load() {
    try {
      Files.createDirectories(dir.resolve("config"));
      Files.writeString(dir.resolve("config/config.yaml"), yaml.get());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ConfigLoader(Settings.load(Map.of(), env, dir, null)).load();
  }

  String base() {
    return "http://127.0.0.1:" + gateway.port();
  }

  HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
        .timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    if (!java.util.Arrays.asList(headers).contains("Content-Type")) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
        .timeout(Duration.ofSeconds(20)).GET();
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> admin(String method, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base() + path))
        .timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + ADMIN_TOKEN)
        .method(method, HttpRequest.BodyPublishers.noBody())
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** A new user's API key; {@code models} its allowlist, or {@code null} for every model. */
  String userKey(JsonArray models) throws Exception {
    HttpResponse<String> user = post("/admin/api/users", new JsonObject().put("name", "u" + System.nanoTime())
        .put("role", "user").encode(), "Authorization", "Bearer " + ADMIN_TOKEN);
    assertThat(user.statusCode()).as(user.body()).isEqualTo(201);
    JsonObject key = new JsonObject().put("name", "k").put("user_id", new JsonObject(user.body()).getLong("id"));
    if (models != null) {
      key.put("models", models);
    }
    HttpResponse<String> created = post("/admin/api/keys", key.encode(), "Authorization", "Bearer " + ADMIN_TOKEN);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return new JsonObject(created.body()).getString("key");
  }

  /** The newest row of the request log once {@code ready} holds for it (rows are written after the answer). */
  JsonObject lastLogged(Predicate<JsonObject> ready) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      HttpResponse<String> rows = admin("GET", "/admin/api/requests?limit=1");
      assertThat(rows.statusCode()).as(rows.body()).isEqualTo(200);
      JsonArray list = new JsonArray(rows.body());
      if (!list.isEmpty() && ready.test(list.getJsonObject(0))) {
        return list.getJsonObject(0);
      }
      assertThat(System.nanoTime()).as("a request log row").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  static String chat(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  @Override
  public void close() throws Exception {
    if (gateway != null) {
      gateway.stop(Duration.ZERO).await(10, TimeUnit.SECONDS);
    }
    for (OllamaEmulator emulator : emulators) {
      emulator.stop().await(10, TimeUnit.SECONDS);
    }
  }
}
