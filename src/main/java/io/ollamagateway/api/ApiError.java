package io.ollamagateway.api;

import java.util.Map;

/**
 * An error the gateway answers itself, before or instead of the upstream: a status, a message a person can
 * act on, and headers that go with it ({@code WWW-Authenticate}, {@code Retry-After}...). It is rendered in
 * the shape of the API that was called by {@link ApiFamily#errorBody}.
 *
 * <p>It is an exception so that it can fail a {@code Future} of any stage of the pipeline; it has no stack
 * trace because it is an answer, not a bug. The message must never contain a secret.
 */
public final class ApiError extends RuntimeException {

  private final int status;
  private final Map<String, String> headers;

  public ApiError(int status, String message) {
    this(status, message, Map.of());
  }

  public ApiError(int status, String message, Map<String, String> headers) {
    super(message, null, false, false);
    this.status = status;
    this.headers = Map.copyOf(headers);
  }

  public int status() {
    return status;
  }

  /** Extra response headers; never credentials. */
  public Map<String, String> headers() {
    return headers;
  }

  public static ApiError badRequest(String message) {
    return new ApiError(400, message);
  }

  public static ApiError unauthorized(String message) {
    return new ApiError(401, message, Map.of("WWW-Authenticate", "Bearer realm=\"ollama-gateway\""));
  }

  public static ApiError forbidden(String message) {
    return new ApiError(403, message);
  }

  public static ApiError notFound(String message) {
    return new ApiError(404, message);
  }
}
