package io.ollamagateway.testing;

import io.ollamagateway.config.ConfigLoader;
import io.ollamagateway.config.GatewayConfig;
import io.ollamagateway.config.Settings;
import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import io.ollamagateway.server.Gateway;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One emulator and one gateway in front of it, both on 127.0.0.1 and any free port, plus a real HTTP client
 * that talks to the gateway. Tests create one per class ({@code @BeforeAll}) and close it afterwards.
 * Requests made with {@link #request} carry the shared {@link #TOKEN}; {@link #anonymous} ones carry nothing.
 */
public final class GatewayFixture implements AutoCloseable {

  /** The {@code PROXY_AUTH_TOKEN} every fixture gateway accepts unless a test overrides it. */
  public static final String TOKEN = "gw-test-token-7f3a9c";

  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  private final OllamaEmulator emulator;
  private final Gateway gateway;

  private GatewayFixture(OllamaEmulator emulator, Gateway gateway) {
    this.emulator = emulator;
    this.gateway = gateway;
  }

  /** An emulator with default options and a gateway with the token plus {@code settings} (name, value...). */
  public static GatewayFixture start(String... settings) {
    return start(EmulatorOptions.defaults(), settings);
  }

  public static GatewayFixture start(EmulatorOptions options, String... settings) {
    OllamaEmulator emulator = await(OllamaEmulator.start(options));
    try {
      Map<String, String> values = pairs(settings);
      values.putIfAbsent("OLLAMA_URL", emulator.url());
      return new GatewayFixture(emulator, startGateway(values));
    } catch (RuntimeException e) {
      await(emulator.stop());
      throw e;
    }
  }

  /**
   * A gateway on 127.0.0.1 and a free port with the fixture's defaults (token, 2 event loops, its own SQLite
   * store in a temporary directory, never the checkout's {@code ./data}, no throttle of failed authentication,
   * which many tests provoke from one address); a value of {@code settings} overrides a default, an empty value
   * removes it.
   */
  public static Gateway startGateway(Map<String, String> settings) {
    Map<String, String> values = new HashMap<>(Map.of("PORT", "0", "HOST", "127.0.0.1", "PROXY_AUTH_TOKEN", TOKEN,
        "EVENT_LOOPS", "2", "DATABASE_URL", "sqlite:" + temporaryDirectory().resolve("gateway.db"),
        "AUTH_FAILURE_LIMIT", "0"));
    values.putAll(settings);
    values.values().removeIf(String::isEmpty);
    Settings loaded = Settings.of(values);
    GatewayConfig config = new ConfigLoader(loaded).load();
    return await(Gateway.start(config, () -> config, io.ollamagateway.config.ObservabilityConfig.from(loaded)));
  }

  public OllamaEmulator emulator() {
    return emulator;
  }

  public Gateway gateway() {
    return gateway;
  }

  public int port() {
    return gateway.port();
  }

  public String url() {
    return url(gateway);
  }

  /** {@code http://127.0.0.1:port} of any gateway a test started. */
  public static String url(Gateway gateway) {
    return "http://127.0.0.1:" + gateway.port();
  }

  public URI uri(String path) {
    return URI.create(url() + path);
  }

  /** A request to the gateway carrying the shared token. */
  public HttpRequest.Builder request(String path) {
    return anonymous(path).header("Authorization", "Bearer " + TOKEN);
  }

  /** A request to the gateway without credentials. */
  public HttpRequest.Builder anonymous(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(15));
  }

  public HttpResponse<String> get(String path) {
    return send(request(path).GET());
  }

  public HttpResponse<String> post(String path, String json) {
    return send(request(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  public static HttpResponse<String> send(HttpRequest.Builder request) {
    return send(request, HttpResponse.BodyHandlers.ofString());
  }

  public static <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
    try {
      return HTTP.send(request.build(), handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static HttpClient http() {
    return HTTP;
  }

  @Override
  public void close() {
    try {
      await(gateway.stop(Duration.ZERO));
    } finally {
      await(emulator.stop());
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // small helpers shared by the tests

  public static <T> T await(Future<T> future) {
    try {
      return future.await(30, TimeUnit.SECONDS);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits until {@code condition} holds, for up to {@code timeout}; returns whether it did. */
  public static boolean eventually(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep(20);
    }
    return true;
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A port nothing listens on (bound, then released). */
  public static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static java.nio.file.Path temporaryDirectory() {
    try {
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("gateway-test");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static Map<String, String> pairs(String... nameValues) {
    if (nameValues.length % 2 != 0) {
      throw new IllegalArgumentException("settings come in name, value pairs");
    }
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < nameValues.length; i += 2) {
      map.put(nameValues[i], nameValues[i + 1]);
    }
    return map;
  }
}
