package io.ollamagateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ollamagateway.testing.Cli;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.SelfSigned;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS and HTTP/2 from TLS_CERT_FILE / TLS_KEY_FILE, on the proxy port and the admin listener. */
class TlsTest {

  @TempDir
  static Path dir;

  private static SelfSigned certificate;
  private static GatewayFixture fx;
  private static HttpClient h2;
  private static HttpClient h1;

  @BeforeAll
  static void start() throws Exception {
    certificate = SelfSigned.create(dir);
    fx = GatewayFixture.start("TLS_CERT_FILE", certificate.cert().toString(),
        "TLS_KEY_FILE", certificate.key().toString(), "ADMIN_PORT", "0");
    h2 = HttpClient.newBuilder().sslContext(certificate.trustingContext()).version(HttpClient.Version.HTTP_2)
        .connectTimeout(Duration.ofSeconds(5)).build();
    h1 = HttpClient.newBuilder().sslContext(certificate.trustingContext()).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  private static HttpRequest.Builder https(int port, String path) {
    return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(15))
        .header("Authorization", "Bearer " + GatewayFixture.TOKEN);
  }

  @Test
  void servesHttpsAndNegotiatesHttp2() throws Exception {
    HttpResponse<String> health = h2.send(https(fx.port(), "/health").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(new JsonObject(health.body()).getString("status")).isEqualTo("ok");

    // a proxied, streamed call over HTTP/2 reaches the emulator and comes back whole
    HttpResponse<String> chat = h2.send(https(fx.port(), "/api/chat").POST(HttpRequest.BodyPublishers.ofString(
        "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(chat.statusCode()).isEqualTo(200);
    assertThat(chat.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(chat.body().lines().reduce((a, b) -> b).orElseThrow()).contains("\"done\":true");
  }

  @Test
  void clientsWithoutHttp2KeepHttp11() throws Exception {
    HttpResponse<String> tags = h1.send(https(fx.port(), "/api/tags").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(tags.statusCode()).isEqualTo(200);
    assertThat(tags.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(new JsonObject(tags.body()).getJsonArray("models")).isNotEmpty();
  }

  @Test
  void plainHttpIsNotServedOnTheTlsPort() {
    assertThatThrownBy(() -> GatewayFixture.http().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + fx.port() + "/health")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void theAdminListenerServesHttpsToo() throws Exception {
    HttpResponse<String> me = h2.send(https(fx.gateway().adminPort(), "/admin/api/me").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(new JsonObject(me.body()).getString("role")).isEqualTo("admin");
  }

  @Test
  void aCertificateWithoutItsKeyStopsTheStart() {
    Cli.Result result = serve(Map.of("TLS_CERT_FILE", certificate.cert().toString()));
    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err()).contains("TLS_CERT_FILE (from environment) is set but TLS_KEY_FILE is not");
  }

  @Test
  void anUnreadableOrNonPemFileStopsTheStartNamingTheSetting() throws IOException {
    Cli.Result missing = serve(Map.of("TLS_CERT_FILE", dir.resolve("nope.pem").toString(),
        "TLS_KEY_FILE", certificate.key().toString()));
    assertThat(missing.status()).isEqualTo(2);
    assertThat(missing.err()).contains("configuration error: TLS_CERT_FILE (from environment): cannot read");

    Path notPem = Files.writeString(dir.resolve("not.pem"), "hello");
    Cli.Result garbage = serve(Map.of("TLS_CERT_FILE", certificate.cert().toString(),
        "TLS_KEY_FILE", notPem.toString()));
    assertThat(garbage.status()).isEqualTo(2);
    assertThat(garbage.err()).contains("TLS_KEY_FILE (from environment)").contains("no PEM block");
  }

  @Test
  void aBrokenKeyStopsTheStartNamingTheSettings() throws IOException {
    Path broken = Files.writeString(dir.resolve("broken-key.pem"),
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
    Cli.Result result = serve(Map.of("TLS_CERT_FILE", certificate.cert().toString(),
        "TLS_KEY_FILE", broken.toString()));
    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err()).contains("configuration error: TLS_CERT_FILE / TLS_KEY_FILE: cannot use");
    assertThat(result.err().lines().filter(l -> l.startsWith("ollama-gateway:")).count()).isEqualTo(1);
  }

  private static Cli.Result serve(Map<String, String> tls) {
    Map<String, String> env = new java.util.HashMap<>(tls);
    env.put("PORT", "0");
    env.put("HOST", "127.0.0.1");
    env.put("DATABASE_URL", "sqlite:" + dir.resolve("cli.db"));
    env.put("PROXY_AUTH_TOKEN", "x");
    return Cli.run(env, dir, "serve");
  }
}
