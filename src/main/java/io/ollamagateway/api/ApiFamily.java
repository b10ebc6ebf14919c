package io.ollamagateway.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * The API a caller speaks, known from the path, which decides how errors look to it: Ollama's native
 * {@code {"error": "..."}}, OpenAI's error object, or Anthropic's. Stateless.
 */
public enum ApiFamily {
  /** {@code /api/*}: {@code {"error":"message"}}. */
  NATIVE,
  /** {@code /v1/*}: {@code {"error":{"message","type","param","code"}}}. */
  OPENAI,
  /** {@code /v1/messages}: {@code {"type":"error","error":{"type","message"}}}. */
  ANTHROPIC;

  /** The family of a canonical path ({@code /api/...} or {@code /v1/...}). */
  public static ApiFamily ofPath(String path) {
    if (path.startsWith("/v1/messages")) {
      return ANTHROPIC;
    }
    return path.startsWith("/v1/") || path.equals("/v1") ? OPENAI : NATIVE;
  }

  /** A complete JSON error body for a response that has not started. */
  public Buffer errorBody(int status, String message) {
    return errorBody(status, message, null);
  }

  /**
   * A complete JSON error body for a response that has not started, with the request's id as a top-level
   * {@code request_id} field (beside Ollama's {@code error}, OpenAI's {@code error} object, or Anthropic's
   * {@code type} and {@code error}: where Anthropic itself puts it) when {@code requestId} is not null.
   */
  public Buffer errorBody(int status, String message, String requestId) {
    JsonObject body = errorJson(status, message);
    if (requestId != null) {
      body.put("request_id", requestId);
    }
    return body.toBuffer();
  }

  /**
   * The last piece of a stream that already started and now fails: a final NDJSON line, as Ollama writes
   * one, or a server-sent event that OpenAI and Anthropic clients raise as an error.
   *
   * @param sse whether the stream is {@code text/event-stream}
   */
  public Buffer streamError(boolean sse, String message) {
    return streamError(sse, message, null);
  }

  /** {@link #streamError(boolean, String)} with the request's {@code request_id} when it is not null. */
  public Buffer streamError(boolean sse, String message, String requestId) {
    JsonObject error = !sse || this == NATIVE ? new JsonObject().put("error", message) : errorJson(500, message);
    if (requestId != null) {
      error.put("request_id", requestId);
    }
    if (!sse) {
      return Buffer.buffer(error.encode()).appendString("\n");
    }
    String data = error.encode();
    String event = this == ANTHROPIC ? "event: error\n" : "";
    return Buffer.buffer(event + "data: " + data + "\n\n");
  }

  private JsonObject errorJson(int status, String message) {
    return switch (this) {
      case NATIVE -> new JsonObject().put("error", message);
      case OPENAI -> new JsonObject().put("error", new JsonObject()
          .put("message", message)
          .put("type", openAiType(status))
          .putNull("param")
          .put("code", openAiCode(status)));
      case ANTHROPIC -> new JsonObject().put("type", "error").put("error", new JsonObject()
          .put("type", anthropicType(status))
          .put("message", message));
    };
  }

  private static String openAiType(int status) {
    return switch (status) {
      case 400, 404, 409, 413, 422 -> status == 404 ? "not_found_error" : "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 429 -> "rate_limit_error";
      default -> "api_error";
    };
  }

  private static String openAiCode(int status) {
    return switch (status) {
      case 401 -> "invalid_api_key";
      case 404 -> "model_not_found";
      case 429 -> "rate_limit_exceeded";
      default -> null;
    };
  }

  private static String anthropicType(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 503 -> "overloaded_error";
      default -> status < 500 ? "invalid_request_error" : "api_error";
    };
  }
}
