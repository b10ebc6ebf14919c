package io.ollamagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ollamagateway.api.ApiError;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The canonical path: what each spelling becomes, what is refused, and how it goes back on the wire. */
class CanonicalPathTest {

  @ParameterizedTest
  @CsvSource({
      "/api/chat, /api/chat",
      "/api/chat/, /api/chat",
      "/v1/chat//completions, /v1/chat/completions",
      "/api/x/., /api/x",
      "/api/.x/..y, /api/.x/..y",
      "/api/apis, /api/apis",
      "/api/ch%61t, /api/chat",
      "/api//chat/, /api/chat",
      "/api/./x/../chat, /api/chat",
      "/api/api/chat, /api/chat",
      "/api/v1/models, /v1/models",
      "/v1/v1/chat/completions, /v1/chat/completions",
      "/generate, /api/generate",
      "/v1/models/llama3.2%3Alatest, /v1/models/llama3.2:latest",
      "/v1/models/caf%C3%A9, /v1/models/café"})
  void spellingsOfOneRouteAreOnePath(String raw, String canonical) {
    assertThat(CanonicalPath.of(raw)).isEqualTo(canonical);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/health", "/api", "/v1/", "/api/v1", "/api/api/", "/v1/v1", "relative", "/%61pi"})
  void pathsTheGatewayDoesNotProxyAreNull(String raw) {
    // "/%61pi" is "/api" alone once decoded, which names no route
    assertThat(CanonicalPath.of(raw)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/api/../x", "/api/..", "/v1/%2e%2e/x", "/api/%2F", "/api/a%5cb", "/api/a\\b",
      "/api/%00", "/api/%0a", "/api/a\u007fb", "/api/x/\u0001", "/api/%252e", "/api/%zz", "/api/%4", "/api/%c0%af", "/api/%ff"})
  void whatCannotBeMadeCanonicalIs400(String raw) {
    assertThatThrownBy(() -> CanonicalPath.of(raw)).isInstanceOfSatisfying(ApiError.class,
        e -> assertThat(e.status()).isEqualTo(400));
  }

  @ParameterizedTest
  @CsvSource({
      "/api/chat, /api/chat",
      "/v1/models/llama3.2:latest, /v1/models/llama3.2:latest",
      "/v1/models/a b, /v1/models/a%20b",
      "/v1/models/café, /v1/models/caf%C3%A9",
      "/v1/models/a?b#c, /v1/models/a%3Fb%23c"})
  void theUpstreamDecodesTheEncodedPathBackToTheCanonicalOne(String canonical, String encoded) {
    assertThat(CanonicalPath.encode(canonical)).isEqualTo(encoded);
    assertThat(CanonicalPath.of(encoded)).isEqualTo(canonical);
  }
}
