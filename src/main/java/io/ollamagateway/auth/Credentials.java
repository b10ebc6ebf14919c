package io.ollamagateway.auth;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.Optional;

/**
 * The secret a caller presented, taken from {@code Authorization: Bearer <key>}, a bare
 * {@code Authorization: <key>} (clients that send {@code sk-...} without a scheme) or {@code x-api-key}.
 * Never logged or rendered: {@link #toString()} hides it.
 */
public final class Credentials {

  private static final Credentials NONE = new Credentials(null);
  // header names as Netty's AsciiString, whose case-insensitive hash is computed once, not on every lookup
  private static final CharSequence X_API_KEY = HttpHeaders.createOptimized("x-api-key");

  private final String secret;
  private byte[] digest;

  private Credentials(String secret) {
    this.secret = secret;
  }

  /** Reads the credentials of a request's headers. */
  public static Credentials from(MultiMap headers) {
    String authorization = headers.get(HttpHeaders.AUTHORIZATION);
    if (authorization != null && !authorization.isBlank()) {
      String value = authorization.trim();
      int space = value.indexOf(' ');
      if (space > 0 && value.regionMatches(true, 0, "Bearer", 0, space) && space == "Bearer".length()) {
        value = value.substring(space + 1).trim();
      }
      if (!value.isEmpty()) {
        return new Credentials(value);
      }
    }
    String apiKey = headers.get(X_API_KEY);
    return apiKey == null || apiKey.isBlank() ? NONE : new Credentials(apiKey.trim());
  }

  /**
   * SHA-256 of the secret, computed once: the token check and the key lookup both need it. {@code null} when
   * no secret was presented. Credentials belong to one request on one event loop, so this is not synchronized.
   */
  public byte[] secretDigest() {
    if (digest == null && secret != null) {
      digest = Secrets.sha256(secret);
    }
    return digest;
  }

  /** The presented secret, if any. */
  public Optional<String> secret() {
    return Optional.ofNullable(secret);
  }

  @Override
  public String toString() {
    return secret == null ? "Credentials[none]" : "Credentials[****]";
  }
}
