package io.ollamagateway.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.SelfSigned;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Over HTTPS (TLS_CERT_FILE / TLS_KEY_FILE) the console's session cookie is Secure, and it works. */
class WebConsoleTlsTest {

  private static GatewayFixture fixture;
  private static HttpClient https;

  @BeforeAll
  static void start() throws Exception {
    SelfSigned certificate = SelfSigned.create(Files.createTempDirectory("console-tls"));
    fixture = GatewayFixture.start("TLS_CERT_FILE", certificate.cert().toString(), "TLS_KEY_FILE",
        certificate.key().toString());
    https = HttpClient.newBuilder().sslContext(certificate.trustingContext()).connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void theSessionCookieIsSecureOverTls() throws Exception {
    String base = "https://127.0.0.1:" + fixture.port();
    HttpResponse<String> signIn = https.send(HttpRequest.newBuilder(URI.create(base + "/ui/session"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("key", GatewayFixture.TOKEN).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
    String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie).startsWith(WebConsole.COOKIE + "=").containsIgnoringCase("; Secure")
        .containsIgnoringCase("; HttpOnly").contains("; SameSite=Strict").contains("; Path=/");

    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    HttpResponse<String> users = https.send(HttpRequest.newBuilder(URI.create(base + "/admin/api/users"))
        .header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(users.statusCode()).isEqualTo(200);
    HttpResponse<String> page = https.send(HttpRequest.newBuilder(URI.create(base + "/ui/")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
  }
}
