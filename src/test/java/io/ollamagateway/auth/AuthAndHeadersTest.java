package io.ollamagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.emulator.EmulatorStats;
import io.ollamagateway.server.Gateway;
import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.RawHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Who gets in, how refusals look in each API, and which headers cross the gateway. */
class AuthAndHeadersTest {

  private static final String UPSTREAM_KEY = "upstream-key-4d1e";

  /** Token mode, with a key for the upstream. */
  private static GatewayFixture fx;
  /** Open access, no token, no upstream key; same emulator. */
  private static Gateway open;

  @BeforeAll
  static void start() {
    fx = GatewayFixture.start("OLLAMA_API_KEY", UPSTREAM_KEY);
    open = GatewayFixture.startGateway(Map.of("OLLAMA_URL", fx.emulator().url(), "PROXY_AUTH_TOKEN", "",
        "ALLOW_UNAUTHENTICATED_ACCESS", "true"));
  }

  @AfterAll
  static void stop() {
    GatewayFixture.await(open.stop(Duration.ZERO));
    fx.close();
  }

  private static MultiMap upstreamHeaders() {
    EmulatorStats.SeenRequest last = fx.emulator().stats().lastRequest();
    return last.headers();
  }

  private static HttpResponse<String> tags(String header, String value) {
    return GatewayFixture.send(fx.anonymous("/api/tags").header(header, value));
  }

  @Test
  void theTokenIsAcceptedAsBearerAsXApiKeyAndAsBareAuthorization() {
    assertThat(tags("Authorization", "Bearer " + GatewayFixture.TOKEN).statusCode()).isEqualTo(200);
    assertThat(tags("Authorization", "bearer " + GatewayFixture.TOKEN).statusCode()).isEqualTo(200);
    assertThat(tags("x-api-key", GatewayFixture.TOKEN).statusCode()).isEqualTo(200);
    assertThat(tags("Authorization", GatewayFixture.TOKEN).statusCode()).isEqualTo(200);
  }

  @Test
  void missingOrWrongCredentialsAreRefusedInTheNativeShape() {
    long before = fx.emulator().stats().requests();
    HttpResponse<String> missing = GatewayFixture.send(fx.anonymous("/api/tags"));
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        v -> assertThat(v).startsWith("Bearer"));
    assertThat(new JsonObject(missing.body()).getString("error")).contains("authentication required");

    HttpResponse<String> wrong = tags("Authorization", "Bearer " + GatewayFixture.TOKEN + "x");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        v -> assertThat(v).startsWith("Bearer"));
    assertThat(new JsonObject(wrong.body()).getValue("error")).isInstanceOf(String.class);
    assertThat(wrong.body()).doesNotContain(GatewayFixture.TOKEN);

    assertThat(tags("x-api-key", "nope").statusCode()).isEqualTo(401);
    assertThat(fx.emulator().stats().requests()).as("refused requests never reach the upstream").isEqualTo(before);
  }

  @Test
  void refusalsOnV1AreOpenAiErrorObjects() {
    HttpResponse<String> response = GatewayFixture.send(fx.anonymous("/v1/chat/completions")
        .header("Authorization", "Bearer sk-wrong")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.2\",\"messages\":[]}")));
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        v -> assertThat(v).startsWith("Bearer"));
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.getString("type")).isEqualTo("authentication_error");
    assertThat(error.containsKey("param")).isTrue();
    assertThat(error.getString("code")).isEqualTo("invalid_api_key");
  }

  @Test
  void refusalsOnV1MessagesAreAnthropicErrors() {
    HttpResponse<String> response = GatewayFixture.send(fx.anonymous("/v1/messages")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.2\",\"messages\":[]}")));
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getString("type")).isEqualTo("error");
    assertThat(body.getJsonObject("error").getString("type")).isEqualTo("authentication_error");
    assertThat(body.getJsonObject("error").getString("message")).isNotBlank();
  }

  @Test
  void openAccessLetsAnyoneInAndForwardsNoCredentials() {
    String base = GatewayFixture.url(open);
    HttpResponse<String> nobody = GatewayFixture.send(HttpRequest.newBuilder(URI.create(base + "/api/tags")));
    assertThat(nobody.statusCode()).isEqualTo(200);
    assertThat(upstreamHeaders().contains("Authorization")).isFalse();

    HttpResponse<String> junk = GatewayFixture.send(HttpRequest.newBuilder(URI.create(base + "/v1/models"))
        .header("Authorization", "Bearer ollama").header("x-api-key", "junk"));
    assertThat(junk.statusCode()).isEqualTo(200);
    assertThat(upstreamHeaders().contains("Authorization")).isFalse();
    assertThat(upstreamHeaders().contains("x-api-key")).isFalse();
  }

  @Test
  void theUpstreamGetsItsOwnKeyAndHostNeverTheClientsCredentials() {
    assertThat(tags("x-api-key", GatewayFixture.TOKEN).statusCode()).isEqualTo(200);
    MultiMap headers = upstreamHeaders();
    assertThat(headers.getAll("Authorization")).containsExactly("Bearer " + UPSTREAM_KEY);
    assertThat(headers.contains("x-api-key")).isFalse();
    assertThat(headers.get("Host")).isEqualTo("127.0.0.1:" + fx.emulator().port());

    assertThat(tags("Authorization", "Bearer " + GatewayFixture.TOKEN).statusCode()).isEqualTo(200);
    assertThat(upstreamHeaders().getAll("Authorization")).containsExactly("Bearer " + UPSTREAM_KEY);
    assertThat(fx.emulator().stats().requestsWithKey(GatewayFixture.TOKEN)).isZero();
  }

  @Test
  void hopByHopHeadersStayOnTheirHopAndOthersPass() {
    try (RawHttp client = RawHttp.connect(fx.port(), 0)) {
      client.send("GET", "/api/tags", null, "Authorization: Bearer " + GatewayFixture.TOKEN,
          "Connection: keep-alive, X-Hop-Private", "X-Hop-Private: secret-hop", "Keep-Alive: timeout=5",
          "TE: trailers", "Proxy-Authorization: Basic abc", "Proxy-Connection: keep-alive",
          "X-Custom-End-To-End: kept", "Cookie: session=1");
      client.readHead();
      assertThat(client.status()).isEqualTo(200);
      client.readBody();
    }
    MultiMap headers = upstreamHeaders();
    assertThat(headers.get("X-Custom-End-To-End")).isEqualTo("kept");
    assertThat(headers.contains("X-Hop-Private")).isFalse();
    assertThat(headers.contains("Keep-Alive")).isFalse();
    assertThat(headers.contains("TE")).isFalse();
    assertThat(headers.contains("Proxy-Authorization")).isFalse();
    assertThat(headers.contains("Proxy-Connection")).isFalse();
    assertThat(headers.contains("Cookie")).isFalse();
    assertThat(String.valueOf(headers.get("Connection"))).doesNotContainIgnoringCase("x-hop-private");
    assertThat(headers.getAll("Authorization")).containsExactly("Bearer " + UPSTREAM_KEY);
  }
}
